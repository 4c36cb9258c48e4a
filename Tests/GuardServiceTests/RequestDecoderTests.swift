import Foundation
import GuardProtocol
import GuardService
import Testing

@Suite struct RequestDecoderTests {
    let decoder = RequestDecoder(limits: Fixtures.limits)

    private func code(_ frames: [Data]) -> ErrorCode? {
        if case .failure(let error) = decoder.decode(frames) { return error.code }
        return nil
    }

    private func header(_ fields: [String: Any]) -> Data { Fixtures.header(fields) }

    private let base: [String: Any] = ["v": 1, "id": "r1", "op": "predict", "model": "m", "shape": [2, 2], "dtype": "f32"]

    private func with(_ changes: [String: Any?]) -> Data {
        var fields = base
        for (key, value) in changes { fields[key] = value }
        return header(fields)
    }

    @Test func decodesAFeatureRequest() throws {
        let request = try decoder.decode([with([:]), Fixtures.payload([1, 2, 3, 4])]).get()
        #expect(request.id == .string("r1") && request.op == .predict && request.model == "m")
        guard case .features(let rows)? = request.input else { Issue.record("expected features"); return }
        #expect(rows == [[1, 2], [3, 4]])
    }

    @Test func unalignedPayloadsDecode() throws {
        // A payload that starts at an odd address inside a larger buffer.
        let storage = Data([0]) + Fixtures.payload([0.5, -1, 2, 8])
        let request = try decoder.decode([with([:]), storage.dropFirst()]).get()
        guard case .features(let rows)? = request.input else { Issue.record("expected features"); return }
        #expect(rows == [[0.5, -1], [2, 8]])
    }

    @Test func decodesTokensTextAndIntegerIDs() throws {
        let tokens = try decoder.decode([with(["id": 7, "shape": nil, "dtype": nil, "tokens": [1, 2]])]).get()
        #expect(tokens.id == .number(7))
        guard case .tokens([1, 2])? = tokens.input else { Issue.record("expected tokens"); return }
        let text = try decoder.decode([with(["shape": nil, "dtype": nil, "text": "hello"])]).get()
        guard case .text("hello")? = text.input else { Issue.record("expected text"); return }
    }

    @Test func healthAndModelsNeedNoModel() throws {
        #expect(try decoder.decode([header(["v": 1, "op": "health"])]).get().op == .health)
        #expect(try decoder.decode([header(["v": 1, "id": "m", "op": "models"])]).get().id == .string("m"))
        #expect(code([header(["v": 1, "op": "health"]), Data([1])]) == .badFrames)
    }

    @Test func overridesAndDeadline() throws {
        let request = try decoder.decode([with(["op": "certify", "deadline_ms": 25, "certify": ["mode": "radius", "frames": "1:3", "target": 2]]),
                                          Fixtures.payload([1, 2, 3, 4])]).get()
        #expect(request.deadlineMilliseconds == 25)
        #expect(request.overrides.mode == .radius && request.overrides.frames == .window(1, 3) && request.overrides.target == 2)
    }

    /// Issue 10: `deadline_ms: 1e16` used to reach the handler and trap converting to Int64 microseconds.
    @Test func deadlineOutsideItsRangeIsABadField() throws {
        let four = Fixtures.payload([1, 2, 3, 4])
        for deadline in [1e16, 1e300, 86_400_001.0, 0, -5] {
            let result = decoder.decode([with(["deadline_ms": deadline]), four])
            guard case .failure(let error) = result else { Issue.record("deadline_ms \(deadline) was accepted"); continue }
            #expect(error.code == .badField && error.id == .string("r1"))
            #expect(error.message.contains("deadline_ms"))
        }
        #expect(try decoder.decode([with(["deadline_ms": 86_400_000]), four]).get().deadlineMilliseconds == 86_400_000)
    }

    /// The id has a documented cap; an over-long one is refused and not echoed.
    @Test func overlongIDsAreRefusedWithoutEcho() throws {
        let limit = GuardConfig.Limits.maxIDBytes
        let longest = String(repeating: "é", count: limit / 2)
        #expect(try decoder.decode([with(["id": longest]), Fixtures.payload([1, 2, 3, 4])]).get().id == .string(longest))
        let result = decoder.decode([with(["id": longest + "x"]), Fixtures.payload([1, 2, 3, 4])])
        guard case .failure(let error) = result else { Issue.record("an id over \(limit) bytes was accepted"); return }
        #expect(error.code == .badField && error.id == .none)
        // Also when the request fails earlier (here: too many frames), the long id is not echoed.
        let four = Fixtures.payload([1, 2, 3, 4])
        guard case .failure(let early) = decoder.decode([with(["id": longest + "x"]), four, four]) else {
            Issue.record("three frames were accepted"); return
        }
        #expect(early.code == .badFrames && early.id == .none)
    }

    @Test func everyMalformedRequestGetsItsCode() {
        let four = Fixtures.payload([1, 2, 3, 4])
        #expect(code([Data("not json".utf8)]) == .badJSON)
        #expect(code([Data("[1, 2]".utf8)]) == .badJSON)
        #expect(code([header([:])]) == .missingField)
        #expect(code([header(["v": 1])]) == .missingField)
        #expect(code([header(["v": 2, "op": "health"])]) == .unsupportedVersion)
        #expect(code([header(["v": "1", "op": "health"])]) == .badField)
        #expect(code([header(["v": true, "op": "health"])]) == .badField)
        #expect(code([header(["v": 1.5, "op": "health"])]) == .badField)
        #expect(code([header(["v": 1, "op": "train"])]) == .unknownOp)
        #expect(code([header(["v": 1, "op": "health", "colour": "red"])]) == .badField)
        #expect(code([with(["model": nil]), four]) == .missingField)
        #expect(code([with(["id": [1]]), four]) == .badField)
        #expect(code([with([:]), four, four]) == .badFrames)
        #expect(code([with([:])]) == .badFrames)
        #expect(code([with(["shape": nil, "dtype": nil])]) == .missingField)
        #expect(code([with(["shape": nil]), four]) == .missingField)
        #expect(code([with(["dtype": nil]), four]) == .missingField)
        #expect(code([with(["dtype": "f64"]), four]) == .badDType)
        #expect(code([with(["shape": [2, 3]]), four]) == .shapeMismatch)
        #expect(code([with(["shape": [4]]), four]) == .shapeMismatch)
        #expect(code([with(["shape": [2, 2]]), four.dropLast()]) == .shapeMismatch)
        #expect(code([with(["shape": [65, 1]]), Fixtures.payload(Array(repeating: 0, count: 65))]) == .sequenceTooLong)
        #expect(code([with(["shape": [1, 1100]]), Fixtures.payload(Array(repeating: 0, count: 1100))]) == .tooLarge)
        #expect(code([with(["shape": nil, "dtype": nil, "tokens": Array(repeating: 1, count: 65)])]) == .sequenceTooLong)
        #expect(code([with(["shape": nil, "dtype": nil, "tokens": [1, 2.5]])]) == .badField)
        #expect(code([with(["tokens": [1]]), four]) == .badField)
        #expect(code([with(["deadline_ms": 0]), four]) == .badField)
        #expect(code([with(["certify": ["mode": "fast"]]), four]) == .badOverride)
        #expect(code([with(["certify": ["norm": "inf"]]), four]) == .badOverride)
        #expect(code([with(["certify": "radius"]), four]) == .badOverride)
        #expect(code([]) == .badFrames)
    }

    /// Issue 10: an error message repeats at most 64 characters of a client's value, so a reply stays small
    /// whatever the request held (replies may queue for a client that does not read).
    @Test func errorMessagesRepeatOnlyAnExcerpt() {
        let long = String(repeating: "k", count: 3000)
        let cases: [[Data]] = [
            [header(["v": 1, "op": "health", long: 1])],
            [header(["v": 1, "op": long])],
            [with(["dtype": long]), Fixtures.payload([1, 2, 3, 4])],
            [with(["shape": Array(repeating: 1, count: 1000)]), Fixtures.payload([1, 2, 3, 4])],
            [with(["op": "certify", "certify": [long: 1]]), Fixtures.payload([1, 2, 3, 4])],
        ]
        for frames in cases {
            guard case .failure(let error) = decoder.decode(frames) else { Issue.record("decoded"); continue }
            #expect(error.message.count < 200 && error.message.contains("..."), "\(error.message.prefix(300))")
        }
    }

    @Test func errorsEchoTheIDWhenReadable() {
        guard case .failure(let error) = decoder.decode([with(["dtype": "f16"]), Fixtures.payload([1, 2, 3, 4])]) else {
            Issue.record("expected an error"); return
        }
        #expect(error.id == .string("r1"))
        guard case .failure(let big) = decoder.decode([with([:]), Data(count: 5000)]) else { Issue.record("expected too_large"); return }
        #expect(big.id == .string("r1") && big.code == .tooLarge)
        guard case .failure(let junk) = decoder.decode([Data("{".utf8)]) else { Issue.record("expected bad_json"); return }
        #expect(junk.id == .none)
    }

    @Test func errorRepliesHaveTheStableShape() throws {
        let reply = Reply(error: RequestError(id: .none, code: .badJSON, "nope"))
        let json = try JSONSerialization.jsonObject(with: reply.encoded()) as! [String: Any]
        #expect(json["v"] as? Int == 1)
        #expect(json["id"] is NSNull)
        #expect(json["status"] as? String == "error")
        #expect(json["code"] as? String == "bad_json")
        #expect(json["message"] as? String == "nope")
    }
}
