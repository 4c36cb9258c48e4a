import Foundation

/// Who may send admin ops (`reload`), decided from the configuration alone:
/// - with CURVE, a client whose public key is in `curve.admin_clients` (CURVE proves the key; nothing else
///   counts, not even a loopback address, since any local process can connect there);
/// - without CURVE, a client on the server's own host: a loopback peer address, or any peer when the server
///   listens on no non-loopback TCP endpoint (ipc://, inproc:// and loopback TCP reach local processes only).
/// A request that came through a proxy (`serve --connect`) is never an admin's: its sender is unknown.
/// Anyone else gets `forbidden`.
struct AdminAccess: Sendable {
    /// The admin keys when CURVE is on; nil when it is off.
    let adminKeys: Set<String>?
    /// Without CURVE: every listen endpoint is local, so every peer is.
    let everyPeerIsLocal: Bool

    init(config: GuardConfig) {
        adminKeys = config.curve.map(\.adminClients)
        everyPeerIsLocal = config.listen.allSatisfy(Self.isLocalEndpoint)
    }

    /// Whether a request from `origin` may run an admin op.
    func allows(_ origin: Origin) -> Bool {
        if origin.proxied { return false }
        if let adminKeys { return origin.clientKey.map(adminKeys.contains) ?? false }
        return everyPeerIsLocal || origin.address.map(Self.isLoopback) ?? false
    }

    /// ipc:// and inproc:// always; tcp:// when its host is a loopback address or `localhost`.
    static func isLocalEndpoint(_ endpoint: String) -> Bool {
        guard endpoint.hasPrefix("tcp://") else { return endpoint.hasPrefix("ipc://") || endpoint.hasPrefix("inproc://") }
        var host = String(endpoint.dropFirst("tcp://".count))
        // tcp://HOST:PORT or tcp://[V6]:PORT
        if let colon = host.lastIndex(of: ":") { host = String(host[..<colon]) }
        host = host.trimmingCharacters(in: ["[", "]"])
        return host == "localhost" || isLoopback(host)
    }

    /// 127.0.0.0/8, ::1, or 127.0.0.0/8 mapped into IPv6 (how a dual-stack socket reports an IPv4 peer).
    static func isLoopback(_ address: String) -> Bool {
        let v4 = address.hasPrefix("::ffff:") ? String(address.dropFirst("::ffff:".count)) : address
        let octets = v4.split(separator: ".", omittingEmptySubsequences: false)
        if octets.count == 4, octets.allSatisfy({ UInt8($0) != nil }) { return octets[0] == "127" }
        return address == "::1"
    }
}
