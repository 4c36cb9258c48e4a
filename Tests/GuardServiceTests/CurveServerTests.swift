import Foundation
import GuardClient
import GuardService
import Testing
import ZeroMQ

/// CurveZMQ: listed clients are served; anyone else gets no service at all.
@Suite struct CurveServerTests {
    @Test func onlyListedClientKeysAreServed() throws {
        let serverKeys = try CurveKeyPair.generate()
        let allowed = try CurveKeyPair.generate()
        let stranger = try CurveKeyPair.generate()
        let config = Fixtures.config(curve: GuardConfig.CurveSettings(secretKey: serverKeys.secretKey,
                                                                       allowedClients: [allowed.publicKey]))
        let server = try Fixtures.startServer(config)
        defer { server.stop(); server.wait() }
        let endpoint = server.endpoints[0]

        let good = try GuardClient(endpoint: endpoint, curve: .init(serverPublicKey: serverKeys.publicKey, clientKeys: allowed),
                                   timeoutMilliseconds: 20_000)
        let served = try good.predict(model: "digits-lstm", sequence: Fixtures.digitsInputs[0])
        #expect(served.isOK)

        let unknown = try GuardClient(endpoint: endpoint, curve: .init(serverPublicKey: serverKeys.publicKey, clientKeys: stranger),
                                      timeoutMilliseconds: 700)
        #expect(throws: GuardClientError.self) { try unknown.health() }

        let plain = try GuardClient(endpoint: endpoint, timeoutMilliseconds: 700)
        #expect(throws: GuardClientError.self) { try plain.health() }

        // The allowed client is still served afterwards.
        #expect(try good.health().isOK)
        #expect(server.requestsReceived == 2)
    }
}
