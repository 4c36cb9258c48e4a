import Foundation
import GuardProtocol
import POPQORN
import SequenceModels

/// Turns the body frames of a request (everything after the routing envelope) into a ``Request``.
///
/// Pure and cheap: the I/O thread runs it on every message so that it can answer malformed requests,
/// `models` and `health` itself and echo the id in a `busy` reply. Model-specific checks come later.
public struct RequestDecoder: Sendable {
    public let limits: GuardConfig.Limits

    public init(limits: GuardConfig.Limits) { self.limits = limits }

    /// The header keys of protocol v1.
    static let headerKeys = Set(RequestHeader.CodingKeys.allCases.map(\.stringValue))

    public func decode(_ frames: [Data]) -> Result<Request, RequestError> {
        Result { () throws(RequestError) in try decodeThrowing(frames) }
    }

    private func decodeThrowing(_ frames: [Data]) throws(RequestError) -> Request {
        let size = frames.reduce(0) { $0 + $1.count }
        guard let headerFrame = frames.first else {
            throw RequestError(id: .none, code: .badFrames, "the request has no header frame")
        }
        // The id is read even from requests that fail the size or frame checks, so the reply matches.
        let header = headerFrame.count <= limits.maxMessageBytes ? Self.jsonObject(headerFrame) : nil
        let id = header.flatMap { Self.id(in: $0) } ?? .none
        guard size <= limits.maxMessageBytes else {
            throw RequestError(id: id, code: .tooLarge,
                               "the request has \(size) bytes; limits.max_message_bytes is \(limits.maxMessageBytes)")
        }
        guard frames.count <= 2 else {
            throw RequestError(id: id, code: .badFrames,
                               "the request has \(frames.count) frames; expected a JSON header and at most one payload frame")
        }
        guard let header else {
            throw RequestError(id: .none, code: .badJSON, "the header frame is not a UTF-8 JSON object")
        }
        var fields = HeaderFields(header, id: .none)
        fields.id = try fields.requestID()

        guard let version = try fields.int("v") else {
            throw fields.error(.missingField, "the header needs \"v\": 1 (the protocol version)")
        }
        guard version == 1 else {
            throw fields.error(.unsupportedVersion, "protocol version \(version) is not supported; this server speaks v1")
        }
        guard let opName = try fields.string("op") else {
            throw fields.error(.missingField, "the header needs \"op\": predict, certify, models, health or reload")
        }
        guard let op = RequestOperation(rawValue: opName) else {
            throw fields.error(.unknownOp, "unknown op \"\(RequestError.excerpt(opName))\"; expected predict, certify, models, health or reload")
        }
        if let unknown = header.keys.sorted().first(where: { !Self.headerKeys.contains($0) }) {
            throw fields.error(.badField, "unknown header field \"\(RequestError.excerpt(unknown))\"")
        }
        let payload = frames.count == 2 ? frames[1] : nil
        guard op.runsModel else {
            if payload != nil { throw fields.error(.badFrames, "op \(op.rawValue) takes no payload frame") }
            return Request(id: fields.id, op: op)
        }

        guard let model = try fields.string("model") else {
            throw fields.error(.missingField, "op \(op.rawValue) needs \"model\" (see op models)")
        }
        var request = Request(id: fields.id, op: op, model: model)
        request.input = try input(fields, payload: payload)
        if let deadline = try fields.double("deadline_ms") {
            // Checked here, before any arithmetic: the handler turns it into microseconds.
            let maximum = GuardConfig.Limits.maxDeadlineMilliseconds
            guard deadline > 0, deadline <= maximum else {
                throw fields.error(.badField, "deadline_ms must be > 0 and <= \(Int(maximum)) (one day), not \(deadline)")
            }
            request.deadlineMilliseconds = deadline
        }
        request.overrides = try overrides(fields)
        return request
    }

    private func input(_ fields: HeaderFields, payload: Data?) throws(RequestError) -> Request.Input {
        let tokens = try fields.ints("tokens")
        let text = try fields.string("text")
        let shape = try fields.ints("shape")
        let given = [payload != nil, tokens != nil, text != nil].filter { $0 }.count
        guard given <= 1 else {
            throw fields.error(.badField, "give one input: a payload frame, tokens or text")
        }
        if let tokens {
            guard !tokens.isEmpty else { throw fields.error(.badField, "tokens must not be empty") }
            try checkLength(tokens.count, fields)
            return .tokens(tokens)
        }
        if let text { return .text(text) }
        guard let payload else {
            if let shape {
                throw fields.error(.badFrames, "the header gives shape \(RequestError.excerpt("\(shape)")) but the request has no payload frame")
            }
            throw fields.error(.missingField, "give an input: shape and dtype with a payload frame, tokens, or text")
        }
        guard let shape else { throw fields.error(.missingField, "a payload frame needs \"shape\": [steps, features]") }
        guard let dtype = try fields.string("dtype") else {
            throw fields.error(.missingField, "a payload frame needs \"dtype\": \"f32\"")
        }
        guard ["f32", "float32", "<f4"].contains(dtype) else {
            throw fields.error(.badDType, "dtype \"\(RequestError.excerpt(dtype))\" is not supported; send little-endian float32 as \"f32\"")
        }
        guard shape.count == 2, shape.allSatisfy({ $0 > 0 }) else {
            throw fields.error(.shapeMismatch, "shape must be [steps, features] with both > 0, not \(RequestError.excerpt("\(shape)"))")
        }
        let (steps, features) = (shape[0], shape[1])
        try checkLength(steps, fields)
        let (count, overflow) = steps.multipliedReportingOverflow(by: features)
        guard !overflow, payload.count % 4 == 0, payload.count / 4 == count else {
            throw fields.error(.shapeMismatch,
                               "shape \(shape) needs \(steps) x \(features) x 4 bytes of f32, the payload has \(payload.count)")
        }
        return .features(Self.floats(payload, steps: steps, features: features))
    }

    private func checkLength(_ length: Int, _ fields: HeaderFields) throws(RequestError) {
        guard length <= limits.maxSequenceLength else {
            throw fields.error(.sequenceTooLong,
                               "the input has \(length) steps; limits.max_sequence_length is \(limits.maxSequenceLength)")
        }
    }

    private func overrides(_ fields: HeaderFields) throws(RequestError) -> CertifyOverrides {
        guard let value = fields.header["certify"], !(value is NSNull) else { return CertifyOverrides() }
        guard let object = value as? [String: Any] else {
            throw fields.error(.badOverride, "certify must be an object such as {\"mode\": \"threshold\"}")
        }
        var overrides = CertifyOverrides()
        for key in object.keys.sorted() {
            let value = object[key]!
            switch key {
            case "mode":
                guard let text = value as? String, let mode = CertifyMode(rawValue: text) else {
                    throw fields.error(.badOverride, "certify.mode must be threshold or radius")
                }
                overrides.mode = mode
            case "frames":
                guard let text = value as? String, let frames = FrameSelection(argument: text) else {
                    throw fields.error(.badOverride, "certify.frames must be all, a step T or a window A:B")
                }
                overrides.frames = frames
            case "target":
                guard let target = HeaderFields.integer(value), target >= 0 else {
                    throw fields.error(.badOverride, "certify.target must be a class index >= 0")
                }
                overrides.target = target
            default:
                throw fields.error(.badOverride, "certify.\(RequestError.excerpt(key)) cannot be overridden; only mode, frames and target can")
            }
        }
        return overrides
    }

    private static func jsonObject(_ frame: Data) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: frame)) as? [String: Any]
    }

    /// The id to echo even when the request fails its checks; an over-long one is not echoed.
    private static func id(in header: [String: Any]) -> RequestID? {
        switch header["id"] {
        case let text as String: text.utf8.count <= GuardConfig.Limits.maxIDBytes ? .string(text) : nil
        case let value?: HeaderFields.integer(value).map(RequestID.number)
        case nil: nil
        }
    }

    /// Little-endian float32, copied byte-wise because a frame need not be 4-byte aligned.
    private static func floats(_ payload: Data, steps: Int, features: Int) -> [[Double]] {
        payload.withUnsafeBytes { raw in
            (0..<steps).map { step in
                (0..<features).map { feature in
                    let bits = raw.loadUnaligned(fromByteOffset: (step * features + feature) * 4, as: UInt32.self)
                    return Double(Float(bitPattern: UInt32(littleEndian: bits)))
                }
            }
        }
    }
}

/// Typed access to header fields: absent or null is nil, the wrong type is `bad_field`.
private struct HeaderFields {
    let header: [String: Any]
    var id: RequestID

    init(_ header: [String: Any], id: RequestID) {
        self.header = header
        self.id = id
    }

    func error(_ code: ErrorCode, _ message: String) -> RequestError {
        RequestError(id: id, code: code, message)
    }

    private func value(_ key: String) -> Any? {
        guard let value = header[key], !(value is NSNull) else { return nil }
        return value
    }

    func requestID() throws(RequestError) -> RequestID {
        guard let value = value("id") else { return .none }
        if let text = value as? String {
            // Every reply echoes the id (and queued replies hold it): cap it, and leave it out of the
            // error reply rather than echo what was refused.
            let maximum = GuardConfig.Limits.maxIDBytes
            guard text.utf8.count <= maximum else {
                throw error(.badField, "id must be at most \(maximum) bytes of UTF-8, not \(text.utf8.count)")
            }
            return .string(text)
        }
        if let number = Self.integer(value) { return .number(number) }
        throw error(.badField, "id must be a string or an integer")
    }

    func string(_ key: String) throws(RequestError) -> String? {
        guard let value = value(key) else { return nil }
        guard let text = value as? String else { throw error(.badField, "\(key) must be a string") }
        return text
    }

    func int(_ key: String) throws(RequestError) -> Int? {
        guard let value = value(key) else { return nil }
        guard let number = Self.integer(value) else { throw error(.badField, "\(key) must be an integer") }
        return number
    }

    func double(_ key: String) throws(RequestError) -> Double? {
        guard let value = value(key) else { return nil }
        guard !Self.isBool(value), let number = value as? NSNumber, number.doubleValue.isFinite else {
            throw error(.badField, "\(key) must be a number")
        }
        return number.doubleValue
    }

    func ints(_ key: String) throws(RequestError) -> [Int]? {
        guard let value = value(key) else { return nil }
        guard let list = value as? [Any] else { throw error(.badField, "\(key) must be a list of integers") }
        var numbers: [Int] = []
        numbers.reserveCapacity(list.count)
        for item in list {
            guard let number = Self.integer(item) else { throw error(.badField, "\(key) must be a list of integers") }
            numbers.append(number)
        }
        return numbers
    }

    /// An exact JSON integer (not a bool, not 1.5), below 9e15 in magnitude.
    static func integer(_ value: Any) -> Int? { JSONNumber.integer(value) }

    static func isBool(_ value: Any) -> Bool { JSONNumber.isBool(value) }
}
