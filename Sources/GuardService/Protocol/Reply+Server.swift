import Foundation
import GuardProtocol

extension Reply {
    /// The error reply for `error`.
    public init(error: RequestError) {
        self.init(id: error.id, status: .error)
        code = error.code
        message = error.message
    }

    /// The reply as one JSON frame, whatever happens: an `internal` error reply if it cannot be encoded.
    public func encoded() -> Data {
        do {
            return try jsonFrame()
        } catch {
            // Only non-finite numbers can fail, and they are written as strings; keep a reply regardless.
            let fallback = Reply(error: RequestError(id: id, code: .internal, "reply could not be encoded: \(error)"))
            return (try? fallback.jsonFrame()) ?? Data(#"{"v":1,"id":null,"status":"error","code":"internal"}"#.utf8)
        }
    }
}

extension Reply.DecisionBody {
    /// The wire form of `decision`.
    public init(_ decision: Decision) {
        self.init(action: decision.action.rawValue, flags: decision.flags.map(\.rawValue), reason: decision.reason)
    }
}
