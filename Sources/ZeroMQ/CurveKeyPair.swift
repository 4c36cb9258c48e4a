import CZeroMQ

/// A CurveZMQ long-term key pair, both keys in Z85 text (40 characters each).
public struct CurveKeyPair: Sendable, Equatable {
    public let publicKey: String
    public let secretKey: String

    /// Makes a new random key pair (`zmq_curve_keypair`).
    public static func generate() throws(ZeroMQError) -> CurveKeyPair {
        var publicKey = [CChar](repeating: 0, count: 41)
        var secretKey = [CChar](repeating: 0, count: 41)
        if zmq_curve_keypair(&publicKey, &secretKey) != 0 { throw ZeroMQError.last("zmq_curve_keypair") }
        return CurveKeyPair(publicKey: String(z85: publicKey), secretKey: String(z85: secretKey))
    }

    /// The key pair that `secretKey` belongs to (the public key is derived with `zmq_curve_public`).
    public init(secretKey: String) throws(ZeroMQError) {
        guard Self.isValidKey(secretKey) else {
            throw ZeroMQError(operation: "zmq_curve_public: the secret key is not a 40-character Z85 key", code: EINVAL)
        }
        var publicKey = [CChar](repeating: 0, count: 41)
        if zmq_curve_public(&publicKey, secretKey) != 0 { throw ZeroMQError.last("zmq_curve_public") }
        self.init(publicKey: String(z85: publicKey), secretKey: secretKey)
    }

    private init(publicKey: String, secretKey: String) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// Whether `key` is a Z85-encoded 32-byte key.
    public static func isValidKey(_ key: String) -> Bool {
        key.utf8.count == 40 && z85Decode(key) != nil
    }

    /// The 32 raw bytes of a Z85 key, or nil when `key` is not valid Z85 of that length.
    static func z85Decode(_ key: String) -> [UInt8]? {
        guard key.utf8.count == 40 else { return nil }
        var bytes = [UInt8](repeating: 0, count: 32)
        return zmq_z85_decode(&bytes, key) == nil ? nil : bytes
    }

    /// The Z85 text of 32 raw key bytes (as a ZAP request carries them).
    static func z85Encode(_ bytes: [UInt8]) -> String? {
        guard bytes.count == 32 else { return nil }
        var text = [CChar](repeating: 0, count: 41)
        return zmq_z85_encode(&text, bytes, 32) == nil ? nil : String(z85: text)
    }
}

private extension String {
    init(z85 buffer: [CChar]) {
        self.init(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
