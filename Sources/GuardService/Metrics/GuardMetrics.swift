import GuardProtocol
import Prometheus
import Synchronization

/// The sidecar's Prometheus metrics, kept in their own registry (so several servers in one process, as in
/// the tests, do not share counters) and served as text by ``MetricsHTTPServer``.
///
/// Metric names, all prefixed `rnnguard_`:
/// - `requests_total{model,op,decision,code}`: every reply (`model` is a configured name, `unknown` for any
///   other name, `none` when the request named none); `decision` is accept/flag/refuse for
///   certify, `none` otherwise; `code` is the error code or `ok`.
/// - `inference_seconds{model}`, `certification_seconds{model,mode}`: latency histograms, separately.
/// - `certified_radius{model}`: histogram of certified radii (partial ones included).
/// - `queue_depth`, `queue_capacity`, `workers`, `workers_busy`: gauges.
/// - `worker_busy_seconds_total`: time workers spent on requests; its rate divided by `workers` is the
///   utilisation.
public final class GuardMetrics: MetricsHTTPServer.Source {
    public let registry: PrometheusCollectorRegistry
    private let queueDepthGauge: Gauge
    private let queueCapacityGauge: Gauge
    private let workersGauge: Gauge
    private let busyWorkersGauge: Gauge
    private let busySeconds: Counter
    /// The only names that become `model` labels: a label set is kept for ever, so a client sending
    /// random model names would otherwise grow /metrics without bound.
    private let servedModels = Mutex<Set<String>>([])

    private static let latencyBuckets: [Double] = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                   0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    private static let radiusBuckets: [Double] = [0, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15,
                                                  0.2, 0.3, 0.5, 1]

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        queueDepthGauge = registry.makeGauge(descriptor: Self.name("queue", "depth", "Requests waiting for a worker."))
        queueCapacityGauge = registry.makeGauge(descriptor: Self.name("queue", "capacity", "limits.queue_depth."))
        workersGauge = registry.makeGauge(descriptor: Self.name("workers", "", "Worker threads."))
        busyWorkersGauge = registry.makeGauge(descriptor: Self.name("workers", "busy", "Workers handling a request now."))
        busySeconds = registry.makeCounter(descriptor: Self.name("worker_busy_seconds", "total",
                                                                "Seconds workers spent handling requests (rate / workers = utilisation)."))
    }

    /// Counts a reload of the policy and models (`result` ok or failed).
    public func countReload(succeeded: Bool) {
        registry.makeCounter(descriptor: Self.name("reloads", "total", "Policy and model reloads, by result."),
                             labels: [("result", succeeded ? "ok" : "failed")]).increment()
    }

    /// Names the configured models; any other model name is counted as `unknown`.
    public func setServedModels(_ names: [String]) {
        servedModels.withLock { $0 = Set(names) }
    }

    /// The `model` label for `model`: its name when served, `unknown` when not, `none` when absent.
    func label(_ model: String?) -> String {
        guard let model else { return "none" }
        return servedModels.withLock { $0.contains(model) } ? model : "unknown"
    }

    /// Counts one reply.
    public func countRequest(model: String?, op: RequestOperation?, decision: Decision.Action?, code: ErrorCode?) {
        registry.makeCounter(descriptor: Self.name("requests", "total", "Replies sent, by model, op, decision and error code."),
                             labels: [("model", label(model)), ("op", op?.rawValue ?? "none"),
                                      ("decision", decision?.rawValue ?? "none"), ("code", code?.rawValue ?? "ok")]).increment()
    }

    /// Records a handled model request: latencies and the certified radius.
    public func record(_ outcome: RequestOutcome) {
        guard outcome.model != nil, outcome.errorCode == nil else { return }
        let model = label(outcome.model)
        if let seconds = outcome.inferenceSeconds {
            registry.makeValueHistogram(descriptor: Self.name("inference", "seconds", "Model inference time per request."),
                                        labels: [("model", model)], buckets: Self.latencyBuckets)
                .record(seconds)
        }
        if let seconds = outcome.certifySeconds, let mode = outcome.certifyMode {
            registry.makeValueHistogram(descriptor: Self.name("certification", "seconds", "POPQORN certification time per request."),
                                        labels: [("model", model), ("mode", mode.rawValue)], buckets: Self.latencyBuckets)
                .record(seconds)
        }
        if let radius = outcome.radius {
            registry.makeValueHistogram(descriptor: Self.name("certified", "radius", "Certified radius per certify request."),
                                        labels: [("model", model)], buckets: Self.radiusBuckets)
                .record(radius)
        }
    }

    public func setQueue(depth: Int, capacity: Int) {
        queueDepthGauge.set(Double(depth))
        queueCapacityGauge.set(Double(capacity))
    }

    public func setWorkers(total: Int, busy: Int) {
        workersGauge.set(Double(total))
        busyWorkersGauge.set(Double(busy))
    }

    public func addBusyTime(seconds: Double) {
        busySeconds.increment(by: seconds)
    }

    /// `rnnguard_<metric>_<unit>`, with its `# HELP` text.
    static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "rnnguard", metricName: metric, unitName: unit, helpText: help)
    }

    /// The Prometheus text exposition (format 0.0.4).
    public func exposition() -> String {
        registry.emitToString()
    }
}
