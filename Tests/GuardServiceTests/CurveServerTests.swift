import Foundation
import GuardClient
import GuardProtocol
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

    /// With CURVE, `reload` (issue 10) is for `curve.admin_clients` keys only: another allowed client,
    /// on the same host, gets `forbidden` (counted), the admin's reload runs.
    @Test func onlyAdminKeysMayReload() throws {
        let serverKeys = try CurveKeyPair.generate()
        let admin = try CurveKeyPair.generate()
        let user = try CurveKeyPair.generate()
        let file = Fixtures.temporaryPath("curve-reload.yaml")
        defer { try? FileManager.default.removeItem(atPath: file) }
        try """
            listen: tcp://127.0.0.1:*
            workers: 1
            curve:
              secret_key: "\(serverKeys.secretKey)"
              allowed_clients: ["\(admin.publicKey)", "\(user.publicKey)"]
              admin_clients: ["\(admin.publicKey)"]
            models:
              - {name: digits-lstm, path: "\(Fixtures.modelPath("digits-lstm"))", decide: {accept_at_or_above: 0.1, refuse_below: 0.01}}
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let server = try GuardServer(config: GuardConfig.load(from: file), policyFile: file)
        try server.start()
        defer { server.stop(); server.wait() }
        func client(_ keys: CurveKeyPair) throws -> GuardClient {
            try GuardClient(endpoint: server.endpoints[0], curve: .init(serverPublicKey: serverKeys.publicKey, clientKeys: keys),
                            timeoutMilliseconds: 20_000)
        }
        let refused = try client(user).call(GuardRequest(id: .string("u"), op: .reload))
        #expect(refused.id == .string("u") && refused.code == .forbidden)
        let reloaded = try client(admin).call(GuardRequest(id: .string("a"), op: .reload))
        #expect(reloaded.isOK && reloaded.models?.map(\.name) == ["digits-lstm"], "\(reloaded.code?.rawValue ?? "ok"): \(reloaded.message ?? "")")
        let exposition = server.metrics.exposition()
        #expect(exposition.contains(#"rnnguard_requests_total{model="none",op="reload",decision="none",code="forbidden"} 1"#))
        #expect(exposition.contains(#"rnnguard_reloads_total{result="ok"} 1"#))
    }
}
