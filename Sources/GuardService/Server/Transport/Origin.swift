/// What the transport knows about who sent a request, for the admin op's authorisation (``AdminAccess``).
struct Origin: Sendable, Equatable {
    /// The peer's IP address as ZeroMQ reports it ("Peer-Address"); nil when the transport has none.
    var address: String?
    /// The peer's CurveZMQ public key (Z85) when CURVE authenticated it ("User-Id"); nil otherwise.
    var clientKey: String?

    init(address: String? = nil, clientKey: String? = nil) {
        self.address = address
        self.clientKey = clientKey
    }
}
