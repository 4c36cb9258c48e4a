/// `host:port` of the metrics endpoint (IPv4 address or `localhost`; port 0 picks a free port).
public struct MetricsAddress: Sendable, Equatable {
    public let host: String
    public let port: UInt16

    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]) else { return nil }
        let host = String(text[..<colon])
        guard !host.isEmpty else { return nil }
        self.host = host == "localhost" ? "127.0.0.1" : host
        self.port = port
    }
}
