/// What a request asks for (`op`).
public enum RequestOperation: String, Sendable, Codable, CaseIterable {
    /// Run the model: label and logits.
    case predict
    /// Run the model and certify the prediction per the model's policy: prediction, certificate, decision.
    case certify
    /// List the served models with their policies.
    case models
    /// Liveness and load.
    case health
    /// Admin: re-read the policy file and the models, as SIGHUP does (allowed for admin clients only).
    case reload
}
