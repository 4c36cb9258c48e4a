import Prometheus
import Synchronization
import ZeroMQ

/// The proxy's Prometheus metrics: libzmq's own counters from `zmq_proxy_steerable`'s `STATISTICS`,
/// served by ``MetricsHTTPServer``.
///
/// - `rnnguard_proxy_messages_total{socket,direction}`: whole messages (a multipart request counts once);
///   `socket` is `frontend` (clients) or `backend` (sidecars), `direction` is `in` (read from that
///   socket) or `out` (written to it). Frontend `in` are requests, backend `in` are replies.
/// - `rnnguard_proxy_bytes_total{socket,direction}`: their bytes, all frames included.
///
/// libzmq reports running totals since the proxy started; they are turned into counter increments here.
public final class ProxyMetrics: MetricsHTTPServer.Source {
    public let registry: PrometheusCollectorRegistry
    /// Indexed like ``values(_:)``: frontend in, frontend out, backend in, backend out.
    private let messages: [Counter]
    private let bytes: [Counter]
    private let last = Mutex<[(messages: UInt64, bytes: UInt64)]>(Array(repeating: (0, 0), count: 4))

    private static let series = [("frontend", "in"), ("frontend", "out"), ("backend", "in"), ("backend", "out")]

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        let messageName = GuardMetrics.name("proxy_messages", "total", "Messages the proxy moved, by socket and direction.")
        let byteName = GuardMetrics.name("proxy_bytes", "total", "Bytes the proxy moved, by socket and direction.")
        messages = Self.series.map { registry.makeCounter(descriptor: messageName, labels: [("socket", $0.0), ("direction", $0.1)]) }
        bytes = Self.series.map { registry.makeCounter(descriptor: byteName, labels: [("socket", $0.0), ("direction", $0.1)]) }
    }

    /// Adds what the proxy moved since the last update.
    public func update(_ statistics: SteerableProxy.Statistics) {
        let now = Self.values(statistics)
        last.withLock { last in
            for index in now.indices {
                // Totals only grow while one proxy runs; never count backwards.
                messages[index].increment(by: Int64(clamping: now[index].messages &- min(last[index].messages, now[index].messages)))
                bytes[index].increment(by: Int64(clamping: now[index].bytes &- min(last[index].bytes, now[index].bytes)))
            }
            last = now
        }
    }

    private static func values(_ statistics: SteerableProxy.Statistics) -> [(messages: UInt64, bytes: UInt64)] {
        let (front, back) = (statistics.frontend, statistics.backend)
        return [(front.messagesIn, front.bytesIn), (front.messagesOut, front.bytesOut),
                (back.messagesIn, back.bytesIn), (back.messagesOut, back.bytesOut)]
    }

    public func exposition() -> String {
        registry.emitToString()
    }
}
