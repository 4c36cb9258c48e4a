import Foundation

/// A protocol-v1 reply, decoded leniently: every part is optional except `status`.
public struct GuardReply: Decodable, Sendable {
    /// The echoed id (integers are given as their decimal text; nil when the server could not read it).
    public var id: String?
    public var status: String
    public var op: String?
    public var model: String?
    /// The error code (see docs/protocol.md) when `status` is "error".
    public var code: String?
    public var message: String?
    public var prediction: Prediction?
    public var certificate: Certificate?
    public var decision: Decision?
    public var models: [ModelInfo]?
    public var health: Health?
    public var timing: Timing?

    public var isOK: Bool { status == "ok" }

    public struct Prediction: Decodable, Sendable {
        public var label: Int
        public var labelName: String?
        public var logits: [Double]
        public var probabilities: [Double]

        enum CodingKeys: String, CodingKey { case label, labelName = "label_name", logits, probabilities }
    }

    public struct Certificate: Decodable, Sendable {
        public var mode: String
        public var norm: String
        public var frames: String
        public var target: Int?
        public var radius: Double
        public var failedAt: Double?
        public var complete: Bool
        public var passes: Int
        public var milliseconds: Double

        enum CodingKeys: String, CodingKey {
            case mode, norm, frames, target, radius, failedAt = "failed_at", complete, passes, milliseconds = "ms"
        }
    }

    public struct Decision: Decodable, Sendable {
        /// accept, flag or refuse.
        public var action: String
        public var flags: [String]
        public var reason: String
    }

    public struct ModelInfo: Decodable, Sendable {
        public var name: String
        public var architecture: String
        /// "features", "tokens" or "tokens|text".
        public var input: String
        public var inputSize: Int
        public var vocabularySize: Int?
        public var numClasses: Int
        public var labels: [String]?

        enum CodingKeys: String, CodingKey {
            case name, architecture, input, inputSize = "input_size", vocabularySize = "vocabulary_size"
            case numClasses = "num_classes", labels
        }
    }

    public struct Health: Decodable, Sendable {
        public var state: String
        public var workers: Int
        public var busyWorkers: Int
        public var queueDepth: Int
        public var queueCapacity: Int

        enum CodingKeys: String, CodingKey {
            case state, workers, busyWorkers = "busy_workers", queueDepth = "queue_depth", queueCapacity = "queue_capacity"
        }
    }

    public struct Timing: Decodable, Sendable {
        public var queueMilliseconds: Double
        public var inferenceMilliseconds: Double
        public var certifyMilliseconds: Double?

        enum CodingKeys: String, CodingKey {
            case queueMilliseconds = "queue_ms", inferenceMilliseconds = "inference_ms", certifyMilliseconds = "certify_ms"
        }
    }

    enum CodingKeys: String, CodingKey {
        case id, status, op, model, code, message, prediction, certificate, decision, models, health, timing
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let text = try? container.decode(String.self, forKey: .id) {
            id = text
        } else {
            id = (try? container.decode(Int.self, forKey: .id)).map(String.init)
        }
        status = try container.decode(String.self, forKey: .status)
        op = try container.decodeIfPresent(String.self, forKey: .op)
        model = try container.decodeIfPresent(String.self, forKey: .model)
        code = try container.decodeIfPresent(String.self, forKey: .code)
        message = try container.decodeIfPresent(String.self, forKey: .message)
        prediction = try container.decodeIfPresent(Prediction.self, forKey: .prediction)
        certificate = try container.decodeIfPresent(Certificate.self, forKey: .certificate)
        decision = try container.decodeIfPresent(Decision.self, forKey: .decision)
        models = try container.decodeIfPresent([ModelInfo].self, forKey: .models)
        health = try container.decodeIfPresent(Health.self, forKey: .health)
        timing = try container.decodeIfPresent(Timing.self, forKey: .timing)
    }
}
