import Foundation
import GuardClient
import GuardProtocol
import GuardService
import Testing

/// The shared wire types as each end uses them: what the client writes, the server reads, and back.
@Suite struct WireTypesTests {
    @Test func aClientRequestDecodesOnTheServer() throws {
        let sent = GuardRequest(id: .string("w1"), op: .certify, model: "m", sequence: [[1, 2], [3, 4]],
                                deadlineMilliseconds: 50, certify: ["mode": "radius", "frames": "0:1", "target": 1])
        let request = try RequestDecoder(limits: Fixtures.limits).decode(sent.frames()).get()
        #expect(request.id == .string("w1") && request.op == .certify && request.model == "m")
        guard case .features(let rows) = request.input else { Issue.record("expected features"); return }
        #expect(rows == [[1, 2], [3, 4]])
        #expect(request.deadlineMilliseconds == 50)
        #expect(request.overrides.mode == .radius && request.overrides.frames == .window(0, 1)
                && request.overrides.target == 1)
    }

    @Test func aServerReplyDecodesOnTheClient() throws {
        var sent = Reply(id: .number(7), status: .ok, op: .predict, model: "m")
        sent.prediction = Reply.PredictionBody(label: 1, labelName: nil, logits: [0, .infinity], probabilities: [0, 1])
        sent.timing = Reply.Timing(queueMilliseconds: 0.5, inferenceMilliseconds: 1)
        let reply = try Reply(jsonFrame: sent.encoded())
        #expect(reply.id == .number(7) && reply.isOK && reply.op == .predict && reply.model == "m")
        #expect(reply.prediction?.logits == [0, .infinity] && reply.timing?.certifyMilliseconds == nil)

        let refused = try Reply(jsonFrame: Reply(error: RequestError(id: .none, code: .badJSON, "nope")).encoded())
        #expect(refused.id == .none && refused.status == .error && refused.code == .badJSON && refused.message == "nope")
    }

    @Test func anUnknownErrorCodeStillDecodes() throws {
        let frame = Data(#"{"v": 1, "id": "x", "status": "error", "code": "some_future_code", "message": "new"}"#.utf8)
        let reply = try Reply(jsonFrame: frame)
        #expect(reply.status == .error && reply.code == .internal && reply.message == "new")
    }

    @Test func aHeaderWithoutIDDecodes() throws {
        let header = try JSONDecoder().decode(RequestHeader.self, from: Data(#"{"v": 1, "op": "health"}"#.utf8))
        #expect(header.id == .none && header.op == .health && header.certify == nil)
    }
}
