import Foundation

/// A protocol-v1 reply: always `v`, `id` (echoed; null when unreadable) and `status`; on error `code`
/// and `message`; otherwise the parts the operation produces.
public struct Reply: Encodable, Sendable {
    public enum Status: String, Encodable, Sendable { case ok, error }

    public let v = 1
    public var id: RequestID
    public var status: Status
    public var op: String?
    public var model: String?
    public var code: ErrorCode?
    public var message: String?
    public var prediction: PredictionBody?
    public var certificate: CertificateBody?
    public var decision: DecisionBody?
    public var models: [ModelInfo]?
    public var health: HealthBody?
    public var timing: Timing?

    public init(id: RequestID, status: Status, op: Operation? = nil, model: String? = nil) {
        self.id = id
        self.status = status
        self.op = op?.rawValue
        self.model = model
    }

    /// The error reply for `error`.
    public init(error: RequestError) {
        self.init(id: error.id, status: .error)
        code = error.code
        message = error.message
    }

    /// The model's output.
    public struct PredictionBody: Encodable, Sendable {
        public var label: Int
        public var labelName: String?
        public var logits: [Double]
        public var probabilities: [Double]

        enum CodingKeys: String, CodingKey {
            case label, labelName = "label_name", logits, probabilities
        }
    }

    /// What was proven about the prediction. `radius` is a certified lower bound on the distance (in
    /// `norm`, over `frames`) to any input classified otherwise (or as `target`, if given).
    public struct CertificateBody: Encodable, Sendable {
        public var mode: String
        public var norm: String
        public var frames: String
        public var target: Int?
        /// Threshold mode: the largest threshold that passed, or 0. Radius mode: the search's result.
        public var radius: Double
        /// Radius mode: the smallest radius that could not be certified, if one was tried.
        public var failedAt: Double?
        /// False when the deadline stopped certification early (the radius is then partial).
        public var complete: Bool
        /// Bound passes spent.
        public var passes: Int
        public var milliseconds: Double

        enum CodingKeys: String, CodingKey {
            case mode, norm, frames, target, radius, failedAt = "failed_at", complete, passes
            case milliseconds = "ms"
        }
    }

    /// The policy's verdict.
    public struct DecisionBody: Encodable, Sendable {
        public var action: String
        public var flags: [String]
        public var reason: String

        public init(_ decision: Decision) {
            action = decision.action.rawValue
            flags = decision.flags.map(\.rawValue)
            reason = decision.reason
        }
    }

    /// One served model, for op `models`.
    public struct ModelInfo: Encodable, Sendable {
        public var name: String
        public var architecture: String
        /// `features`: a payload frame of [steps, input_size]; `tokens`: token ids (and `text`, with a vocabulary).
        public var input: String
        public var inputSize: Int
        public var vocabularySize: Int?
        public var numClasses: Int
        public var labels: [String]?
        public var policy: PolicyBody

        enum CodingKeys: String, CodingKey {
            case name, architecture, input, inputSize = "input_size", vocabularySize = "vocabulary_size"
            case numClasses = "num_classes", labels, policy
        }
    }

    /// A model's policy as clients see it.
    public struct PolicyBody: Encodable, Sendable {
        public var norm: String
        public var frames: String
        public var mode: String
        public var deadlineMilliseconds: Double?
        public var acceptAtOrAbove: Double
        public var refuseBelow: Double
        public var onDeadline: String
        public var allowOverrides: [String]

        enum CodingKeys: String, CodingKey {
            case norm, frames, mode, deadlineMilliseconds = "deadline_ms", acceptAtOrAbove = "accept_at_or_above"
            case refuseBelow = "refuse_below", onDeadline = "on_deadline", allowOverrides = "allow_overrides"
        }
    }

    /// For op `health`.
    public struct HealthBody: Encodable, Sendable {
        public var state: String
        public var uptimeSeconds: Double
        public var workers: Int
        public var busyWorkers: Int
        public var queueDepth: Int
        public var queueCapacity: Int
        public var models: Int

        enum CodingKeys: String, CodingKey {
            case state, uptimeSeconds = "uptime_s", workers, busyWorkers = "busy_workers"
            case queueDepth = "queue_depth", queueCapacity = "queue_capacity", models
        }
    }

    /// Where the time went, in ms.
    public struct Timing: Encodable, Sendable {
        public var queueMilliseconds: Double
        public var inferenceMilliseconds: Double
        public var certifyMilliseconds: Double?

        enum CodingKeys: String, CodingKey {
            case queueMilliseconds = "queue_ms", inferenceMilliseconds = "inference_ms", certifyMilliseconds = "certify_ms"
        }
    }

    /// The reply as one JSON frame.
    public func encoded() -> Data {
        do {
            return try Self.encoder.encode(self)
        } catch {
            // Only non-finite numbers can fail, and they are written as strings; keep a reply regardless.
            let fallback = Reply(error: RequestError(id: id, code: .internal, "reply could not be encoded: \(error)"))
            return (try? Self.encoder.encode(fallback)) ?? Data(#"{"v":1,"id":null,"status":"error","code":"internal"}"#.utf8)
        }
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return encoder
    }()
}
