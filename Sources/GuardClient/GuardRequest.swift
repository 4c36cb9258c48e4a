import Foundation
import GuardProtocol

/// A protocol-v1 request as the client sends it: a JSON header frame and, for feature inputs, a
/// little-endian float32 payload frame.
public struct GuardRequest: Sendable {
    /// The header fields; `shape` and `dtype` are set from `sequence` when the frames are built.
    public var header: RequestHeader
    /// Steps x features, sent as the payload frame with `shape` and `dtype: "f32"`.
    public var sequence: [[Float]]?

    /// Give one input: `sequence`, `tokens` or `text` (none for `models` and `health`).
    public init(id: RequestID, op: RequestOperation, model: String? = nil, sequence: [[Float]]? = nil, tokens: [Int]? = nil,
                text: String? = nil, deadlineMilliseconds: Double? = nil,
                certify: [String: RequestHeader.CertifyValue]? = nil) {
        header = RequestHeader(id: id, op: op, model: model, tokens: tokens, text: text,
                               deadlineMilliseconds: deadlineMilliseconds, certify: certify)
        self.sequence = sequence
    }

    /// The message body: header, then the payload when there is a sequence.
    public func frames() throws(GuardClientError) -> [Data] {
        var header = header
        if let sequence {
            header.shape = [sequence.count, sequence.first?.count ?? 0]
            header.dtype = "f32"
        }
        var frames: [Data]
        do {
            frames = [try header.jsonFrame()]
        } catch {
            throw .unencodableRequest("\(error)")
        }
        if let sequence {
            var payload = Data(capacity: sequence.count * (sequence.first?.count ?? 0) * 4)
            for row in sequence {
                for value in row { withUnsafeBytes(of: value.bitPattern.littleEndian) { payload.append(contentsOf: $0) } }
            }
            frames.append(payload)
        }
        return frames
    }
}
