import Foundation
import Testing
@testable import ZeroMQ

@Suite struct CurveTests {
    @Test func libzmqHasCurve() {
        #expect(Context.hasCurve)
        #expect(Context.libraryVersion.hasPrefix("4."))
    }

    @Test func generatedKeysAreValidAndDerivable() throws {
        let pair = try CurveKeyPair.generate()
        #expect(CurveKeyPair.isValidKey(pair.publicKey))
        #expect(CurveKeyPair.isValidKey(pair.secretKey))
        #expect(pair.publicKey != pair.secretKey)
        #expect(try CurveKeyPair(secretKey: pair.secretKey) == pair)
        #expect(!CurveKeyPair.isValidKey("too short"))
        #expect(throws: ZeroMQError.self) { try CurveKeyPair(secretKey: "not a key") }
    }

    /// An allowed client is served; a client with a valid but unlisted key gets nothing.
    @Test func authenticatorAdmitsOnlyListedKeys() throws {
        let context = try Context()
        let server = try CurveKeyPair.generate()
        let allowed = try CurveKeyPair.generate()
        let stranger = try CurveKeyPair.generate()
        let authenticator = try CurveAuthenticator(context: context, allowedClientKeys: [allowed.publicKey])
        defer { authenticator.stop() }

        let router = try Socket(context: context, type: .router)
        try router.set([.curveServer(true), .curveSecretKey(server.secretKey), .zapDomain("test"),
                        .receiveTimeout(milliseconds: 500)])
        try router.bind("tcp://127.0.0.1:*")
        let endpoint = try router.lastEndpoint

        func client(_ keys: CurveKeyPair) throws -> Socket {
            let dealer = try Socket(context: context, type: .dealer)
            try dealer.set([.curveServerKey(server.publicKey), .curvePublicKey(keys.publicKey),
                            .curveSecretKey(keys.secretKey), .immediate(true)])
            try dealer.connect(endpoint)
            return dealer
        }

        let good = try client(allowed)
        try good.send(Data("hello".utf8))
        let received = try #require(try router.receive())
        #expect(received.last == Data("hello".utf8))

        let bad = try client(stranger)
        _ = try bad.send(Data("hello".utf8), dontWait: true)
        #expect(try router.receive() == nil)

        let plain = try Socket(context: context, type: .dealer)
        try plain.connect(endpoint)
        _ = try plain.send(Data("hello".utf8), dontWait: true)
        #expect(try router.receive() == nil)
    }

    /// With domain enforcement (issue 10), a CURVE server whose ZAP handler is not running admits nobody;
    /// without it libzmq would admit any client that knows the server's public key.
    @Test func serverOptionsRefuseEveryoneWithoutAHandler() throws {
        let context = try Context()
        let server = try CurveKeyPair.generate()
        let client = try CurveKeyPair.generate()
        let router = try Socket(context: context, type: .router)
        try router.set(SocketOption.curveServer(secretKey: server.secretKey, zapDomain: "test") + [.receiveTimeout(milliseconds: 500)])
        try router.bind("tcp://127.0.0.1:*")
        let dealer = try Socket(context: context, type: .dealer)
        try dealer.set([.curveServerKey(server.publicKey), .curvePublicKey(client.publicKey),
                        .curveSecretKey(client.secretKey), .linger(milliseconds: 0)])
        try dealer.connect(try router.lastEndpoint)
        _ = try dealer.send(Data("hello".utf8), dontWait: true)
        #expect(try router.receive() == nil)
        dealer.close()
        router.close()
    }
}
