/// What the transport knows about who sent a request, for the admin op's authorisation (``AdminAccess``).
struct Origin: Sendable, Equatable {
    /// The peer's IP address as ZeroMQ reports it ("Peer-Address"); nil when the transport has none.
    var address: String?
    /// The peer's CurveZMQ public key (Z85) when CURVE authenticated it ("User-Id"); nil otherwise.
    var clientKey: String?
    /// The request came through a proxy (`serve --connect`): address and key would be the proxy's, so
    /// the client is unknown.
    var proxied: Bool

    init(address: String? = nil, clientKey: String? = nil, proxied: Bool = false) {
        self.address = address
        self.clientKey = clientKey
        self.proxied = proxied
    }
}
