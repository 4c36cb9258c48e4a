import GuardProtocol
import Logging
import Synchronization

/// The recorder of a running server: Prometheus metrics, the audit log (flagged and refused
/// predictions) and one log line per refused or certified request.
final class ObservabilityRecorder: ServerRecorder {
    let metrics: GuardMetrics
    let audit: AuditLog?
    let logger: Logger
    /// Each model's policy as the audit log states it (replaced by a reload).
    private let policies: Mutex<[String: Reply.PolicyBody]>

    init(metrics: GuardMetrics, audit: AuditLog?, logger: Logger, models: [Reply.ModelInfo]) {
        self.metrics = metrics
        self.audit = audit
        self.logger = logger
        self.policies = Mutex([:])
        adopt(models)
    }

    private func adopt(_ models: [Reply.ModelInfo]) {
        policies.withLock { $0 = Dictionary(models.map { ($0.name, $0.policy) }, uniquingKeysWith: { first, _ in first }) }
        // Labels come only from configured names, so clients cannot grow the registry.
        metrics.setServedModels(models.map(\.name))
    }

    func reloaded(models: [Reply.ModelInfo]) {
        adopt(models)
        metrics.countReload(succeeded: true)
        logger.info("reloaded", metadata: ["models": "\(models.map(\.name).joined(separator: " "))"])
    }

    func reloadFailed(_ reason: String) {
        metrics.countReload(succeeded: false)
        logger.error("reload failed; still serving the previous models", metadata: ["error": .escaped(reason)])
    }

    func replied(_ outcome: RequestOutcome) {
        metrics.countRequest(model: outcome.model, op: outcome.op, decision: outcome.decision?.action, code: outcome.errorCode)
        metrics.record(outcome)
        log(outcome)
        if let audit, let model = outcome.model, let policy = policies.withLock({ $0[model] }),
           let record = audit.record(for: outcome, policy: policy) {
            audit.append(record)
        }
    }

    func load(queueDepth: Int, queueCapacity: Int, busyWorkers: Int, workers: Int) {
        metrics.setQueue(depth: queueDepth, capacity: queueCapacity)
        metrics.setWorkers(total: workers, busy: busyWorkers)
    }

    func workerBusy(seconds: Double) {
        metrics.addBusyTime(seconds: seconds)
    }

    private func log(_ outcome: RequestOutcome) {
        var metadata: Logger.Metadata = ["id": .escaped(outcome.reply.id), "model": .escaped(outcome.model ?? "-"),
                                         "op": "\(outcome.op?.rawValue ?? "-")"]
        if let code = outcome.errorCode {
            metadata["code"] = "\(code.rawValue)"
            metadata["message"] = .escaped(outcome.reply.message ?? "")
            logger.log(level: code == .internal ? .error : .debug, "request failed", metadata: metadata)
            return
        }
        if let decision = outcome.decision {
            metadata["decision"] = "\(decision.action.rawValue)"
            metadata["radius"] = "\(outcome.radius ?? 0)"
            logger.log(level: decision.action == .accept ? .debug : .info, "certified", metadata: metadata)
        }
    }
}
