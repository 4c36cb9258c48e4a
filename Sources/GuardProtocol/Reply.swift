import Foundation

/// A protocol-v1 reply: always `v`, `id` (echoed; null when unreadable) and `status`; on error `code`
/// and `message`; otherwise the parts the operation produces. The server encodes it, clients decode it.
public struct Reply: Codable, Sendable {
    /// Whether the request was served (`ok`) or refused (`error`, with `code` and `message`).
    public enum Status: String, Codable, Sendable { case ok, error }

    /// The protocol version: 1.
    public var v = 1
    /// The request's id, echoed; `.none` (null) when the request had none or could not be read.
    public var id: RequestID
    /// `ok`, or `error` with `code` and `message`.
    public var status: Status
    /// The request's operation, when known.
    public var op: RequestOperation?
    /// The request's model, when known.
    public var model: String?
    /// Errors only: the stable code.
    public var code: ErrorCode?
    /// Errors only: a human-readable sentence.
    public var message: String?
    /// `predict` and `certify`.
    public var prediction: PredictionBody?
    /// `certify`.
    public var certificate: CertificateBody?
    /// `certify`.
    public var decision: DecisionBody?
    /// `models`.
    public var models: [ModelInfo]?
    /// `health`.
    public var health: HealthBody?
    /// `predict` and `certify`.
    public var timing: Timing?

    /// A reply without parts; set those the operation produces.
    public init(id: RequestID, status: Status, op: RequestOperation? = nil, model: String? = nil) {
        self.id = id
        self.status = status
        self.op = op
        self.model = model
    }

    /// Whether `status` is `ok`.
    public var isOK: Bool { status == .ok }

    /// The reply as one JSON frame.
    public func jsonFrame() throws -> Data {
        try WireJSON.encoder.encode(self)
    }

    /// Reads a reply frame.
    public init(jsonFrame: Data) throws {
        self = try WireJSON.decoder.decode(Reply.self, from: jsonFrame)
    }

    /// The model's output.
    public struct PredictionBody: Codable, Sendable {
        /// The predicted class index.
        public var label: Int
        /// The label's name, when the model has label names.
        public var labelName: String?
        /// One per class.
        public var logits: [Double]
        /// The softmax of `logits`.
        public var probabilities: [Double]

        /// Memberwise.
        public init(label: Int, labelName: String?, logits: [Double], probabilities: [Double]) {
            self.label = label
            self.labelName = labelName
            self.logits = logits
            self.probabilities = probabilities
        }

        enum CodingKeys: String, CodingKey {
            case label, labelName = "label_name", logits, probabilities
        }
    }

    /// What was proven about the prediction. `radius` is a certified lower bound on the distance (in
    /// `norm`, over `frames`) to any input classified otherwise (or as `target`, if given).
    public struct CertificateBody: Codable, Sendable {
        /// `threshold` or `radius`.
        public var mode: String
        /// The l_p norm: `1`, `2` or `inf`.
        public var norm: String
        /// The perturbed frames: `all`, a step `T` or a window `A:B`.
        public var frames: String
        /// The one class certified against, for a targeted certificate.
        public var target: Int?
        /// Threshold mode: the largest threshold that passed, or 0. Radius mode: the search's result.
        public var radius: Double
        /// Radius mode: the smallest radius that could not be certified, if one was tried.
        public var failedAt: Double?
        /// False when the deadline stopped certification early (the radius is then partial).
        public var complete: Bool
        /// Bound computations spent (`bound_computations`; also sent as `passes`, its protocol v1 name):
        /// one per radius a threshold check or a search step tried.
        public var boundComputations: Int
        /// Certification time (`ms`).
        public var milliseconds: Double
        /// Threshold mode: the distance of an input of another class that a quick attack found within
        /// `refuse_below` (`counterexample_distance`); the prediction is then refused without a bound.
        public var counterexampleDistance: Double?
        /// Threshold mode: true (`climb_stopped`; absent otherwise) when the policy's `climb_margin` ended
        /// the climb before the tightest certifier tried `accept_at_or_above`, so a costlier bound might have
        /// proven more.
        public var climbStopped: Bool?

        /// Memberwise.
        public init(mode: String, norm: String, frames: String, target: Int?, radius: Double, failedAt: Double?,
                    complete: Bool, boundComputations: Int, milliseconds: Double) {
            self.mode = mode
            self.norm = norm
            self.frames = frames
            self.target = target
            self.radius = radius
            self.failedAt = failedAt
            self.complete = complete
            self.boundComputations = boundComputations
            self.milliseconds = milliseconds
        }

        enum CodingKeys: String, CodingKey {
            case mode, norm, frames, target, radius, failedAt = "failed_at", complete
            case boundComputations = "bound_computations"
            case counterexampleDistance = "counterexample_distance"
            case climbStopped = "climb_stopped"
            case passes
            case milliseconds = "ms"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            mode = try container.decode(String.self, forKey: .mode)
            norm = try container.decode(String.self, forKey: .norm)
            frames = try container.decode(String.self, forKey: .frames)
            target = try container.decodeIfPresent(Int.self, forKey: .target)
            radius = try container.decode(Double.self, forKey: .radius)
            failedAt = try container.decodeIfPresent(Double.self, forKey: .failedAt)
            complete = try container.decode(Bool.self, forKey: .complete)
            // A v1 server sends only `passes`.
            boundComputations = try container.decodeIfPresent(Int.self, forKey: .boundComputations)
                ?? container.decode(Int.self, forKey: .passes)
            milliseconds = try container.decode(Double.self, forKey: .milliseconds)
            counterexampleDistance = try container.decodeIfPresent(Double.self, forKey: .counterexampleDistance)
            climbStopped = try container.decodeIfPresent(Bool.self, forKey: .climbStopped)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(mode, forKey: .mode)
            try container.encode(norm, forKey: .norm)
            try container.encode(frames, forKey: .frames)
            try container.encodeIfPresent(target, forKey: .target)
            try container.encode(radius, forKey: .radius)
            try container.encodeIfPresent(failedAt, forKey: .failedAt)
            try container.encode(complete, forKey: .complete)
            try container.encode(boundComputations, forKey: .boundComputations)
            try container.encode(boundComputations, forKey: .passes)
            try container.encode(milliseconds, forKey: .milliseconds)
            try container.encodeIfPresent(counterexampleDistance, forKey: .counterexampleDistance)
            try container.encodeIfPresent(climbStopped, forKey: .climbStopped)
        }
    }

    /// The policy's verdict.
    public struct DecisionBody: Codable, Sendable {
        /// `accept`, `flag` or `refuse`.
        public var action: String
        /// Why a prediction was flagged: `fragile`, `deadline`.
        public var flags: [String]
        /// The decision in a sentence, with the radius and thresholds.
        public var reason: String

        /// Memberwise.
        public init(action: String, flags: [String], reason: String) {
            self.action = action
            self.flags = flags
            self.reason = reason
        }
    }

    /// One served model, for op `models`.
    public struct ModelInfo: Codable, Sendable {
        public var name: String
        public var architecture: String
        /// `features`: a payload frame of [steps, input_size]; `tokens`: token ids (and `text`, with a vocabulary).
        public var input: String
        public var inputSize: Int
        public var vocabularySize: Int?
        public var numClasses: Int
        public var labels: [String]?
        /// The certification policy it is served under.
        public var policy: PolicyBody

        /// Memberwise.
        public init(name: String, architecture: String, input: String, inputSize: Int, vocabularySize: Int?,
                    numClasses: Int, labels: [String]?, policy: PolicyBody) {
            self.name = name
            self.architecture = architecture
            self.input = input
            self.inputSize = inputSize
            self.vocabularySize = vocabularySize
            self.numClasses = numClasses
            self.labels = labels
            self.policy = policy
        }

        enum CodingKeys: String, CodingKey {
            case name, architecture, input, inputSize = "input_size", vocabularySize = "vocabulary_size"
            case numClasses = "num_classes", labels, policy
        }
    }

    /// A model's policy as clients see it.
    public struct PolicyBody: Codable, Sendable {
        public var norm: String
        public var frames: String
        public var mode: String
        public var deadlineMilliseconds: Double?
        public var acceptAtOrAbove: Double
        public var refuseBelow: Double
        public var onDeadline: String
        /// The `decide.climb_margin`, when the policy sets one.
        public var climbMargin: Double?
        /// The certifier ladder's rungs, cheapest first (`certify.ladder`, or the standard ladder). Optional
        /// so that replies of servers older than the setting still decode.
        public var ladder: [String]?
        /// The `certify` override keys this model takes.
        public var allowOverrides: [String]

        /// Memberwise.
        public init(norm: String, frames: String, mode: String, deadlineMilliseconds: Double?, acceptAtOrAbove: Double,
                    refuseBelow: Double, onDeadline: String, climbMargin: Double? = nil, ladder: [String]? = nil,
                    allowOverrides: [String]) {
            self.norm = norm
            self.frames = frames
            self.mode = mode
            self.deadlineMilliseconds = deadlineMilliseconds
            self.acceptAtOrAbove = acceptAtOrAbove
            self.refuseBelow = refuseBelow
            self.onDeadline = onDeadline
            self.climbMargin = climbMargin
            self.ladder = ladder
            self.allowOverrides = allowOverrides
        }

        enum CodingKeys: String, CodingKey {
            case norm, frames, mode, deadlineMilliseconds = "deadline_ms", acceptAtOrAbove = "accept_at_or_above"
            case refuseBelow = "refuse_below", onDeadline = "on_deadline", climbMargin = "climb_margin"
            case ladder, allowOverrides = "allow_overrides"
        }
    }

    /// For op `health`.
    public struct HealthBody: Codable, Sendable {
        /// `serving` or `stopping`.
        public var state: String
        public var uptimeSeconds: Double
        public var workers: Int
        public var busyWorkers: Int
        public var queueDepth: Int
        public var queueCapacity: Int
        /// How many models are served.
        public var models: Int

        /// Memberwise.
        public init(state: String, uptimeSeconds: Double, workers: Int, busyWorkers: Int, queueDepth: Int,
                    queueCapacity: Int, models: Int) {
            self.state = state
            self.uptimeSeconds = uptimeSeconds
            self.workers = workers
            self.busyWorkers = busyWorkers
            self.queueDepth = queueDepth
            self.queueCapacity = queueCapacity
            self.models = models
        }

        enum CodingKeys: String, CodingKey {
            case state, uptimeSeconds = "uptime_s", workers, busyWorkers = "busy_workers"
            case queueDepth = "queue_depth", queueCapacity = "queue_capacity", models
        }
    }

    /// Where the time went, in ms.
    public struct Timing: Codable, Sendable {
        public var queueMilliseconds: Double
        public var inferenceMilliseconds: Double
        /// `certify` only.
        public var certifyMilliseconds: Double?

        /// Memberwise; `certifyMilliseconds` is set once certification is done.
        public init(queueMilliseconds: Double, inferenceMilliseconds: Double, certifyMilliseconds: Double? = nil) {
            self.queueMilliseconds = queueMilliseconds
            self.inferenceMilliseconds = inferenceMilliseconds
            self.certifyMilliseconds = certifyMilliseconds
        }

        enum CodingKeys: String, CodingKey {
            case queueMilliseconds = "queue_ms", inferenceMilliseconds = "inference_ms", certifyMilliseconds = "certify_ms"
        }
    }
}
