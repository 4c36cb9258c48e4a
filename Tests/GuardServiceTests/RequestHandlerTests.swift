import Foundation
import GuardProtocol
@testable import GuardService
import POPQORN
import SequenceModels
import Testing

/// The handler alone, without sockets: model checks, certification and decisions.
@Suite struct RequestHandlerTests {
    let handler = RequestHandler(models: Fixtures.models, limits: Fixtures.limits)

    private func features(_ index: Int = 0) -> Request.Input {
        .features(Fixtures.digitsInputs[index].map { $0.map(Double.init) })
    }

    private func run(_ request: Request, receivedAt: ContinuousClock.Instant = .now) -> RequestOutcome {
        handler.handle(request, receivedAt: receivedAt)
    }

    /// A request built in code skips the decoder's range check: a huge client deadline with no policy
    /// deadline must still be served, not trap converting to Int64 microseconds (issue 10).
    @Test func hugeDeadlineDoesNotTrap() throws {
        #expect(Fixtures.digitsPolicy.certify.deadlineMilliseconds == nil)
        for deadline in [1e16, 1e300, .infinity, .nan] {
            let outcome = run(Request(id: .string("d"), op: .predict, model: "digits-lstm", input: features(),
                                      deadlineMilliseconds: deadline))
            // The handler runs what the core handed it; a prediction is never cut short by a deadline.
            #expect(outcome.reply.isOK, "deadline \(deadline): \(outcome.reply.message ?? "ok")")
        }
    }

    @Test func predictMatchesTheModel() throws {
        let outcome = run(Request(id: .string("p"), op: .predict, model: "digits-lstm", input: features()))
        let prediction = try #require(outcome.reply.prediction)
        let expected = try Fixtures.models[0].classifier.predict(Fixtures.digitsInputs[0].map { $0.map(Double.init) })
        #expect(prediction.label == expected.label && prediction.logits == expected.logits)
        #expect(outcome.reply.certificate == nil && outcome.reply.decision == nil)
    }

    /// Each threshold climbs the ladder only as far as it must: at most every rung, twice.
    @Test func thresholdCertifyDecidesAndClimbsAtMostTwoLadders() throws {
        let outcome = run(Request(id: .string("c"), op: .certify, model: "digits-lstm", input: features()))
        let certificate = try #require(outcome.reply.certificate)
        let decision = try #require(outcome.decision)
        #expect(certificate.mode == "threshold" && certificate.complete)
        #expect((1...(2 * Fixtures.models[0].ladder.rungs.count)).contains(certificate.boundComputations))
        #expect([0, 0.03, 0.1].contains(certificate.radius))
        let expected = Decision.make(radius: certificate.radius, complete: true, policy: Fixtures.digitsPolicy.decide)
        #expect(decision == expected)
    }

    /// A policy's `climb_margin` reaches the ladder, and a reply says when it stopped the climb: with a
    /// margin of 0, a threshold the cheapest rung fails (and the quick attack cannot refute) goes no
    /// further.
    @Test func aClimbMarginStopsTheClimbAndTheReplySaysSo() throws {
        func certify(accept: Double, climbMargin: Double?) throws -> Reply.CertificateBody {
            var policy = Fixtures.digitsPolicy
            policy.decide = DecisionPolicy(acceptAtOrAbove: accept, refuseBelow: 0.001, climbMargin: climbMargin)
            let handler = RequestHandler(models: [ServedModel(policy: policy, classifier: Fixtures.models[0].classifier)],
                                         limits: Fixtures.limits)
            let reply = handler.handle(Request(id: .string("m"), op: .certify, model: "digits-lstm", input: features()),
                                       receivedAt: .now).reply
            return try #require(reply.certificate)
        }
        var found: (climbed: Reply.CertificateBody, stopped: Reply.CertificateBody)?
        for accept in [0.12, 0.2, 0.3, 0.5] where found == nil {
            let stopped = try certify(accept: accept, climbMargin: 0)
            if stopped.climbStopped == true { found = (try certify(accept: accept, climbMargin: nil), stopped) }
        }
        let (climbed, stopped) = try #require(found, "no threshold where the climb margin stopped the climb")
        #expect(climbed.climbStopped == nil)
        #expect(stopped.radius == climbed.radius && stopped.boundComputations < climbed.boundComputations)
        let json = try #require(String(data: try JSONEncoder().encode(stopped), encoding: .utf8))
        #expect(json.contains("\"climb_stopped\":true"))
        let decoded = try JSONDecoder().decode(Reply.CertificateBody.self, from: Data(json.utf8))
        #expect(decoded.climbStopped == true)
    }

    /// The `models` op shows a policy's climb margin, and leaves the key out when the policy has none.
    @Test func theModelsOpShowsTheClimbMargin() throws {
        var policy = Fixtures.digitsPolicy
        func listed() throws -> String {
            let info = ServedModel(policy: policy, classifier: Fixtures.models[0].classifier).info
            return try #require(String(data: try JSONEncoder().encode(info.policy), encoding: .utf8))
        }
        policy.decide.climbMargin = nil
        #expect(try !listed().contains("climb_margin"))
        policy.decide.climbMargin = 2.5
        #expect(try listed().contains("\"climb_margin\":2.5"))
    }

    /// A policy's ladder is the one its decisions climb, and the `models` op lists it: here one rung,
    /// full back-substitution with the optimizer, so every decision costs at most two computations
    /// (one per threshold), where the standard ladder's three rungs could take more.
    @Test func thePolicysLadderIsClimbedAndListed() throws {
        var policy = Fixtures.digitsPolicy
        let info = ServedModel(policy: policy, classifier: Fixtures.models[0].classifier).info
        #expect(info.policy.ladder == ["zonotope:128+mccormick", "full", "full+optimizer"])
        policy.certify.ladder = [CertifierRung(method: .full, optimizer: true)]
        let served = ServedModel(policy: policy, classifier: Fixtures.models[0].classifier)
        #expect(served.ladder.rungs.map(\.description) == ["full+optimizer"] && served.info.policy.ladder == ["full+optimizer"])
        let handler = RequestHandler(models: [served], limits: Fixtures.limits)
        for index in 0..<3 {
            let reply = handler.handle(Request(id: .string("l"), op: .certify, model: "digits-lstm", input: features(index)),
                                       receivedAt: .now).reply
            let certificate = try #require(reply.certificate)
            #expect(certificate.complete && (1...2).contains(certificate.boundComputations))
        }
    }

    /// The threshold decision agrees with a full radius search.
    @Test func thresholdAgreesWithTheRadiusSearch() throws {
        var request = Request(id: .string("r"), op: .certify, model: "digits-lstm", input: features(1))
        let threshold = try #require(run(request).decision)
        request.overrides.mode = .radius
        let outcome = run(request)
        let certificate = try #require(outcome.reply.certificate)
        #expect(certificate.mode == "radius" && certificate.complete && certificate.radius > 0)
        #expect(outcome.decision?.action == threshold.action)
    }

    @Test func aRadiusSearchCutByTheDeadlineIsPartial() throws {
        var strict = Fixtures.digitsPolicy
        strict.certify.mode = .radius
        strict.certify.deadlineMilliseconds = 0.001
        strict.decide.onDeadline = .refuse
        let served = ServedModel(policy: strict, classifier: Fixtures.models[0].classifier)
        // The handler's clock stands still: the search has 1 µs of the system clock, which POPQORN reads.
        let clock = ManualClock()
        let handler = RequestHandler(models: [served], limits: Fixtures.limits, clock: clock)
        let outcome = handler.handle(Request(id: .string("d"), op: .certify, model: "digits-lstm", input: features()),
                                     receivedAt: clock.now())
        let certificate = try #require(outcome.reply.certificate)
        #expect(!certificate.complete)
        #expect(outcome.decision?.action == (certificate.radius >= strict.decide.acceptAtOrAbove ? .accept : .refuse))
    }

    @Test func modelChecksGetTheirCodes() {
        func code(_ request: Request) -> ErrorCode? { run(request).errorCode }
        #expect(code(Request(id: .none, op: .predict, model: "nope", input: features())) == .unknownModel)
        #expect(code(Request(id: .none, op: .predict, model: "digits-lstm", input: .features([[1, 2, 3]]))) == .shapeMismatch)
        var nan = Fixtures.digitsInputs[0].map { $0.map(Double.init) }
        nan[3][4] = .nan
        #expect(code(Request(id: .none, op: .predict, model: "digits-lstm", input: .features(nan))) == .nonFinite)
        #expect(code(Request(id: .none, op: .predict, model: "news-lstm", input: .tokens([1, 99_999_999]))) == .unknownToken)
        #expect(code(Request(id: .none, op: .predict, model: "digits-lstm", input: .tokens([1, 2]))) == .badField)
        let longText = Array(repeating: "word", count: 65).joined(separator: " ")
        #expect(code(Request(id: .none, op: .predict, model: "news-lstm", input: .text(longText))) == .sequenceTooLong)
    }

    @Test func textAndTokensAgree() throws {
        let vocabulary = try #require(Fixtures.models[1].classifier.vocabulary)
        let text = "stocks rally as markets cheer results"
        let byText = run(Request(id: .none, op: .predict, model: "news-lstm", input: .text(text)))
        let byTokens = run(Request(id: .none, op: .predict, model: "news-lstm", input: .tokens(vocabulary.encode(text))))
        #expect(byText.reply.prediction?.logits == byTokens.reply.prediction?.logits)
    }

    @Test func overridesStayWithinThePolicy() {
        func code(_ model: String, _ input: Request.Input, _ overrides: CertifyOverrides) -> ErrorCode? {
            run(Request(id: .none, op: .certify, model: model, input: input, overrides: overrides)).errorCode
        }
        // news-lstm allows no overrides: only the cheaper mode is free.
        #expect(code("news-lstm", .text("markets rally"), CertifyOverrides(mode: .threshold)) == nil)
        #expect(code("news-lstm", .text("markets rally"), CertifyOverrides(mode: .radius)) == .badOverride)
        #expect(code("news-lstm", .text("markets rally"), CertifyOverrides(frames: .step(0))) == .badOverride)
        #expect(code("news-lstm", .text("markets rally"), CertifyOverrides(target: 1)) == .badOverride)
        // digits-lstm allows frames and target, within the input and the classes.
        #expect(code("digits-lstm", features(), CertifyOverrides(frames: .window(2, 4), target: 3)) == nil)
        #expect(code("digits-lstm", features(), CertifyOverrides(frames: .step(8))) == .badOverride)
        #expect(code("digits-lstm", features(), CertifyOverrides(target: 10)) == .badOverride)
        // Input 0 is classified 5: a certificate against its own label is meaningless.
        #expect(code("digits-lstm", features(), CertifyOverrides(target: 5)) == .badOverride)
    }
}

/// `expose` (issue 10): what a client sees of a certificate, per model.
@Suite struct ExposureTests {
    private func certify(_ exposure: Exposure) -> Reply {
        var policy = Fixtures.digitsPolicy
        policy.expose = exposure
        policy.decide = DecisionPolicy(acceptAtOrAbove: 1000, refuseBelow: 0.001)
        let handler = RequestHandler(models: [ServedModel(policy: policy, classifier: Fixtures.models[0].classifier)],
                                     limits: Fixtures.limits)
        let input = Request.Input.features(Fixtures.digitsInputs[0].map { $0.map(Double.init) })
        return handler.handle(Request(id: .string("e"), op: .certify, model: "digits-lstm", input: input), receivedAt: .now).reply
    }

    @Test func eachLevelShowsWhatItPromises() throws {
        let full = certify(.full)
        #expect(full.certificate?.failedAt == 1000 && full.decision?.reason.contains("1000") == true)
        let radius = certify(.radius)
        #expect(radius.certificate?.radius == full.certificate?.radius && radius.certificate?.failedAt == nil)
        #expect(radius.certificate?.counterexampleDistance == nil)
        let decision = certify(.decision)
        #expect(decision.certificate == nil && decision.decision?.action == full.decision?.action)
        #expect(decision.decision?.flags == full.decision?.flags && decision.decision?.reason.contains("0.") == false)
        // The prediction itself is never hidden.
        #expect(decision.prediction?.label == full.prediction?.label)
    }

    @Test func theConfigurationReadsAndChecksIt() throws {
        let yaml = """
        listen: [tcp://127.0.0.1:5555]
        models:
          - name: m
            path: examples/models/digits-lstm
            expose: radius
            decide: {accept_at_or_above: 0.1, refuse_below: 0.01}
        """
        #expect(try GuardConfig.parse(yaml: yaml).models[0].expose == .radius)
        #expect(throws: ConfigError("models[0].expose must be decision, radius or full, not \"everything\"")) {
            try GuardConfig.parse(yaml: yaml.replacingOccurrences(of: "expose: radius", with: "expose: everything"))
        }
    }
}
