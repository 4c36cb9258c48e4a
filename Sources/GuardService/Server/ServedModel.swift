import Foundation
import GuardProtocol
import POPQORN
import SequenceModels

/// One model as the server runs it: its policy, the loaded classifier, its certifier, the ladder of
/// cheaper certifiers for deadlines and decisions, and the quick attack that refutes fragile inputs.
/// Immutable and `Sendable`, so every worker thread shares one instance.
public struct ServedModel: Sendable {
    public let policy: ModelPolicy
    public let classifier: SequenceClassifier
    public let certifier: Certifier
    public let ladder: CertifierLadder
    public let quickAttack: PGDAttack

    public init(policy: ModelPolicy, classifier: SequenceClassifier) {
        self.policy = policy
        self.classifier = classifier
        self.certifier = Certifier(model: classifier)
        self.ladder = CertifierLadder(model: classifier, rungs: policy.certify.ladder)
        self.quickAttack = PGDAttack.quick(model: classifier)
    }

    /// Loads the folder `policy.path` names.
    ///
    /// - Parameter index: the model's position in `models`, for the error message.
    public static func load(_ policy: ModelPolicy, index: Int) throws(ConfigError) -> ServedModel {
        do {
            let classifier = try SequenceClassifier(contentsOf: URL(fileURLWithPath: policy.path, isDirectory: true))
            let served = ServedModel(policy: policy, classifier: classifier)
            // The process's one-time work for a first certificate happens here, not in a request's deadline.
            served.ladder.warmUp()
            return served
        } catch {
            throw ConfigError("models[\(index)].path: cannot load model \"\(policy.name)\" from \(policy.path): \(error)")
        }
    }

    /// How clients see this model (op `models`).
    public var info: Reply.ModelInfo {
        let manifest = classifier.manifest
        let certify = policy.certify, decide = policy.decide
        return Reply.ModelInfo(
            name: policy.name,
            architecture: manifest.architecture.rawValue,
            input: classifier.embedding == nil ? "features" : (classifier.vocabulary == nil ? "tokens" : "tokens|text"),
            inputSize: manifest.inputSize,
            vocabularySize: classifier.vocabulary?.tokens.count,
            numClasses: manifest.numClasses,
            labels: manifest.labels,
            policy: Reply.PolicyBody(
                norm: certify.norm.rawValue, frames: certify.frames.description, mode: certify.mode.rawValue,
                deadlineMilliseconds: certify.deadlineMilliseconds, acceptAtOrAbove: decide.acceptAtOrAbove,
                refuseBelow: decide.refuseBelow, onDeadline: decide.onDeadline.rawValue, climbMargin: decide.climbMargin,
                ladder: certify.ladder.map(\.description),
                allowOverrides: certify.allowOverrides.map(\.rawValue).sorted()))
    }
}
