import Foundation
import GuardProtocol
import POPQORN
import SequenceModels

/// Answers decoded requests for the served models: input checks that need the model, inference,
/// certification per the policy, and the decision. Pure (no sockets, no shared state), so tests drive it
/// directly and any number of worker threads share one. Admission and queue deadlines are the
/// ``ServerCore``'s: the handler runs whatever it is given.
public struct RequestHandler: Sendable {
    /// The served models, in configuration order.
    public let models: [ServedModel]
    public let limits: GuardConfig.Limits
    /// The server's clock: arrival times come from it, so queue waits and deadlines are read on it too.
    private let clock: any ServerClock
    private let byName: [String: ServedModel]

    public init(models: [ServedModel], limits: GuardConfig.Limits, clock: any ServerClock = SystemClock()) {
        self.models = models
        self.limits = limits
        self.clock = clock
        self.byName = Dictionary(models.map { ($0.policy.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Handles `predict` and `certify`.
    ///
    /// - Parameter receivedAt: when the request arrived, on the handler's clock; deadlines count from it.
    public func handle(_ request: Request, receivedAt: ContinuousClock.Instant) -> RequestOutcome {
        let started = clock.now()
        do {
            return try run(request, receivedAt: receivedAt, started: started)
        } catch {
            return RequestOutcome(error: error, op: request.op, model: request.model)
        }
    }

    private func run(_ request: Request, receivedAt: ContinuousClock.Instant,
                     started: ContinuousClock.Instant) throws(RequestError) -> RequestOutcome {
        let id = request.id
        guard let name = request.model, let served = byName[name] else {
            let known = models.map(\.policy.name).joined(separator: ", ")
            throw RequestError(id: id, code: .unknownModel, "no model \"\(RequestError.excerpt(request.model ?? ""))\" is served (served: \(known))")
        }
        let policy = served.policy
        let deadline = request.deadline(policyMilliseconds: policy.certify.deadlineMilliseconds, receivedAt: receivedAt)
        let sequence = try modelSequence(request, served)
        if request.op == .certify { try checkOverrides(request, served, steps: sequence.count) }

        let prediction: Prediction
        do {
            prediction = try served.classifier.predict(sequence)
        } catch {
            throw Self.requestError(error, id: id, model: name)
        }
        let inferenceDone = clock.now()
        var outcome = RequestOutcome(reply: Reply(id: id, status: .ok, op: request.op, model: name), op: request.op, model: name)
        outcome.reply.prediction = Reply.PredictionBody(label: prediction.label, labelName: prediction.labelName,
                                                        logits: prediction.logits, probabilities: prediction.probabilities)
        outcome.inferenceSeconds = Self.seconds(inferenceDone - started)
        outcome.reply.timing = Reply.Timing(queueMilliseconds: Self.milliseconds(started - receivedAt),
                                            inferenceMilliseconds: Self.milliseconds(inferenceDone - started))
        guard request.op == .certify else { return outcome }

        let mode = request.overrides.mode ?? policy.certify.mode
        let perturbation = Perturbation(norm: policy.certify.norm, frames: request.overrides.frames ?? policy.certify.frames)
        let target = request.overrides.target
        let certificate: (radius: Double, failedAt: Double?, complete: Bool, passes: Int, counterexample: Double?,
                          climbStopped: Bool)
        do {
            switch mode {
            case .threshold:
                let decided = try served.ladder.decide(
                    sequence, label: prediction.label, perturbation: perturbation, target: target,
                    accept: policy.decide.acceptAtOrAbove, refuse: policy.decide.refuseBelow, attack: served.quickAttack,
                    climbMargin: policy.decide.climbMargin, deadline: systemDeadline(deadline))
                certificate = (decided.radius, decided.failedAt, decided.complete, decided.boundComputations,
                               decided.counterexampleDistance, decided.stoppedClimbing)
            case .radius:
                // With a deadline, the anytime ladder: the best radius proven in time. Without, the tightest.
                let search = deadline == nil
                    ? try served.certifier.radius(sequence, label: prediction.label, perturbation: perturbation, target: target)
                    : try served.ladder.radius(sequence, label: prediction.label, perturbation: perturbation, target: target,
                                               deadline: systemDeadline(deadline))
                certificate = (search.radius, search.failedAt, search.complete, search.boundComputations, nil, false)
            }
        } catch let error as CertifierError {
            // What the override checks cannot see, e.g. a target equal to the predicted label.
            throw RequestError(id: id, code: .badOverride, "\(name): \(error)")
        } catch {
            throw RequestError(id: id, code: .internal, "certification of \(name) failed: \(error)")
        }
        let certifyDone = clock.now()
        let decision = Decision.make(radius: certificate.radius, complete: certificate.complete, policy: policy.decide)
        outcome.reply.certificate = Reply.CertificateBody(
            mode: mode.rawValue, norm: perturbation.norm.rawValue, frames: perturbation.frames.description,
            target: target, radius: certificate.radius, failedAt: certificate.failedAt, complete: certificate.complete,
            boundComputations: certificate.passes, milliseconds: Self.milliseconds(certifyDone - inferenceDone))
        outcome.reply.certificate?.counterexampleDistance = certificate.counterexample
        outcome.reply.certificate?.climbStopped = certificate.climbStopped ? true : nil
        outcome.reply.decision = Reply.DecisionBody(decision)
        outcome.decision = decision
        outcome.radius = certificate.radius
        outcome.certifyMode = mode
        outcome.certifySeconds = Self.seconds(certifyDone - inferenceDone)
        outcome.reply.timing?.certifyMilliseconds = Self.milliseconds(certifyDone - inferenceDone)
        if decision.action != .accept { outcome.auditInput = sequence }
        outcome.reply.expose(policy.expose)
        return outcome
    }

    /// `deadline` on the system clock, which POPQORN reads: the time left on the handler's clock.
    private func systemDeadline(_ deadline: ContinuousClock.Instant?) -> ContinuousClock.Instant? {
        deadline.map { ContinuousClock.now + clock.now().duration(to: $0) }
    }

    /// The feature sequence of the request's input, checked against the model and the limits.
    private func modelSequence(_ request: Request, _ served: ServedModel) throws(RequestError) -> [[Double]] {
        let id = request.id, name = served.policy.name
        let input: ModelInput
        switch request.input {
        case .features(let rows)?:
            let features = rows.first?.count ?? 0
            guard features == served.classifier.inputSize else {
                throw RequestError(id: id, code: .shapeMismatch,
                                   "shape [\(rows.count), \(features)] does not fit \(name): its input_size is \(served.classifier.inputSize)")
            }
            input = .sequence(rows)
        case .tokens(let tokens)?: input = .tokens(tokens)
        case .text(let text)?: input = .text(text)
        case nil: throw RequestError(id: id, code: .missingField, "the request has no input")
        }
        let sequence: [[Double]]
        do {
            sequence = try served.classifier.sequence(for: input)
        } catch {
            throw Self.requestError(error, id: id, model: name)
        }
        // Text is only measured once tokenized.
        guard sequence.count <= limits.maxSequenceLength else {
            throw RequestError(id: id, code: .sequenceTooLong,
                               "the input has \(sequence.count) steps; limits.max_sequence_length is \(limits.maxSequenceLength)")
        }
        guard !sequence.isEmpty else { throw RequestError(id: id, code: .badField, "the input is empty (no known words or steps)") }
        return sequence
    }

    /// Overrides may make certification cheaper (radius -> threshold) freely; everything else only
    /// where the policy's `allow_overrides` lists it.
    private func checkOverrides(_ request: Request, _ served: ServedModel, steps: Int) throws(RequestError) {
        let overrides = request.overrides, policy = served.policy.certify, id = request.id
        func refuse(_ message: String) -> RequestError {
            RequestError(id: id, code: .badOverride, message + " (model \(served.policy.name) allows overrides of: "
                         + (policy.allowOverrides.isEmpty ? "none" : policy.allowOverrides.map(\.rawValue).sorted().joined(separator: ", ")) + ")")
        }
        if overrides.mode == .radius, policy.mode != .radius, !policy.allowOverrides.contains(.mode) {
            throw refuse("certify.mode radius is more expensive than the policy's threshold mode")
        }
        if let frames = overrides.frames {
            guard frames == policy.frames || policy.allowOverrides.contains(.frames) else {
                throw refuse("certify.frames \(frames) differs from the policy's \(policy.frames)")
            }
            if let last = frames.lastStep, last >= steps {
                throw RequestError(id: id, code: .badOverride, "certify.frames \(frames) reaches step \(last); the input has \(steps) steps (0-based)")
            }
        }
        if let target = overrides.target {
            guard policy.allowOverrides.contains(.target) else { throw refuse("certify.target is not allowed") }
            guard target < served.classifier.numClasses else {
                throw RequestError(id: id, code: .badOverride, "certify.target \(target) is not a class of \(served.policy.name) (0..<\(served.classifier.numClasses))")
            }
        }
    }

    /// Maps the model's input errors to protocol codes.
    private static func requestError(_ error: ModelError, id: RequestID, model: String) -> RequestError {
        switch error {
        case .nonFiniteInput: RequestError(id: id, code: .nonFinite, error.description)
        case .wrongFeatureCount, .emptySequence: RequestError(id: id, code: .shapeMismatch, error.description)
        case .unknownToken: RequestError(id: id, code: .unknownToken, error.description)
        case .noEmbedding, .noVocabulary: RequestError(id: id, code: .badField, "\(model): \(error)")
        default: RequestError(id: id, code: .internal, "\(model): \(error)")
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }

    static func milliseconds(_ duration: Duration) -> Double { rounded(seconds(duration) * 1000) }

    /// Three decimals are enough for ms and keep replies short.
    static func rounded(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
}
