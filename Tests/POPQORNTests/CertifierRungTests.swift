import SequenceModels
import Testing
@testable import POPQORN

/// Ladders a policy or command line chooses (`CertifierRung`, `certify.ladder`, `--ladder`): rungs parse
/// as the bench prints them, bad ladders are refused with exact messages, a threshold check skips the
/// rung the optimizer repeats without deciding otherwise, and a chosen ladder's radii and decisions
/// survive attacks.
@Suite("Chosen certifier ladders")
struct CertifierRungTests {
    /// Every certifier the bench prints parses back from its printed name to the same certifier.
    @Test func rungsParseAsTheBenchPrintsThem() throws {
        let model = randomModelSpecs[3].make(90)
        let methods: [BoundMethod] = [.interval, .window(4), .forward, .zonotope(32), .windowAndZonotope(window: 4, keep: 512), .full]
        for method in methods {
            for fitted in [true, false] {
                for iterations in [0, Certifier.defaultMarginIterations] {
                    let certifier = Certifier(model: model, method: method, fittedPlanes: fitted, marginIterations: iterations)
                    let rung = try #require(CertifierRung(argument: certifier.description), "\(certifier)")
                    #expect(rung == certifier.rung)
                    #expect(rung.certifier(for: model).description == certifier.description)
                }
            }
        }
        #expect(CertifierRung(argument: "window:4+zonotope:512+mccormick")
                == CertifierRung(method: .windowAndZonotope(window: 4, keep: 512), fittedPlanes: false))
        #expect(CertifierRung(argument: "full+optimizer") == CertifierRung(method: .full, optimizer: true))
        for bad in ["", "+mccormick", "+optimizer", "mccormick", "full+optimizer+mccormick", "full+mccormick+mccormick",
                    "full+intermediate", "full+Optimizer", "zonotope:4097", "window:4+zonotope:5000", "window:4+mccormick+zonotope:8",
                    "full+", "full++optimizer"] {
            #expect(CertifierRung(argument: bad) == nil, "\(bad)")
        }
        #expect(CertifierRung(argument: "zonotope:\(BoundMethod.maxKeptSymbols)") != nil)
    }

    /// Names glued from the grammar's own pieces and from junk: each either parses to a rung that prints
    /// back as the same name (up to the defaults "window" and "zonotope" spell out), or is refused; none
    /// traps.
    @Test func gluedNamesParseToThemselvesOrNothing() {
        let pieces = ["window", "zonotope", "full", "interval", "forward", ":", "4", "128", "4097", "-1", "99999999999999999999",
                      "+", "+mccormick", "+optimizer", "mccormick", "optimizer", " ", "", "\u{0}", "é", "::", "++"]
        var generator = SplitMix64(seed: 95)
        var parsed = 0
        for _ in 0..<5000 {
            let name = (0..<Int(1 + generator.next() % 6)).map { _ in pieces[Int(generator.next() % UInt64(pieces.count))] }.joined()
            guard let rung = CertifierRung(argument: name) else { continue }
            parsed += 1
            #expect(CertifierRung(argument: rung.description) == rung, "\(name)")
            if case .zonotope(let keep) = rung.method { #expect(keep <= BoundMethod.maxKeptSymbols) }
            if case .windowAndZonotope(_, let keep) = rung.method { #expect(keep <= BoundMethod.maxKeptSymbols) }
        }
        #expect(parsed > 50)
    }

    @Test func badLaddersAreRefusedWithExactMessages() throws {
        #expect(throws: CertifierRung.LadderError.empty) { try CertifierRung.ladder([]) }
        #expect(throws: CertifierRung.LadderError.tooManyRungs(9)) {
            try CertifierRung.ladder((1...9).map { "window:\($0)" })
        }
        #expect(throws: CertifierRung.LadderError.unknownRung(index: 1, name: "fulll")) { try CertifierRung.ladder(["window:4", "fulll"]) }
        #expect(throws: CertifierRung.LadderError.repeatedRung(index: 2, name: "full")) {
            try CertifierRung.ladder(["full", "full+optimizer", "full"])
        }
        #expect("\(CertifierRung.LadderError.repeatedRung(index: 2, name: "full"))" == "rung 2 \"full\" repeats an earlier rung")
        #expect("\(CertifierRung.LadderError.tooManyRungs(9))" == "a ladder has at most 8 rungs, not 9")
        #expect(try CertifierRung.ladder(CertifierRung.standardLadder.map(\.description)) == CertifierRung.standardLadder)
    }

    /// The standard ladder's "full" is repeated by "full+optimizer", which starts with the same
    /// computation: a threshold check runs one of them, and decides exactly as climbing every rung in turn.
    @Test(arguments: [3, 5, 9])
    func aThresholdCheckSkipsTheRungTheOptimizerRepeats(modelIndex: Int) throws {
        let model = randomModelSpecs[modelIndex].make(91)
        let ladder = CertifierLadder.standard(for: model)
        #expect(ladder.rungs.indices.map(ladder.repeatedByNext) == [false, true, false])
        let sequence = SequenceClassifier.randomSequence(length: 5, inputSize: 3, seed: 92)
        let label = try model.predict(sequence).label
        let perturbation = Perturbation(norm: .linf)
        let top = try #require(ladder.rungs.last).radius(sequence, label: label, perturbation: perturbation).radius
        try #require(top > 0)
        for factor in [0.25, 0.5, 0.8, 0.95, 1.0, 1.05, 1.5, 3] {
            let epsilon = top * factor
            let each = try ladder.rungs.map { try $0.check(sequence, label: label, perturbation: perturbation, epsilon: epsilon) }
            let climbed = try ladder.check(sequence, label: label, perturbation: perturbation, epsilon: epsilon, deadline: nil)
            #expect(climbed.check.certified == each.contains(where: \.certified), "\(randomModelSpecs[modelIndex].name) x\(factor)")
            // Rung 0 alone, or rung 0 and the optimizer's rung: never the repeated one.
            #expect(climbed.computations == (each[0].certified ? 1 : 2) && climbed.rung != 1)
        }
    }

    /// A ladder built of zonotope and window-with-zonotope rungs, as a policy may choose, is sound on
    /// every random model: its anytime radii (with and without a deadline) and its accepted thresholds
    /// resist PGD and sampling.
    @Test(arguments: randomModelSpecs.indices)
    func aChosenLaddersRadiiAndDecisionsResistAttacks(modelIndex: Int) throws {
        let model = randomModelSpecs[modelIndex].make(93)
        let ladder = CertifierLadder(model: model, rungs: try CertifierRung.ladder(
            ["zonotope:8+mccormick", "window:1+zonotope:16+mccormick", "full+optimizer"]))
        let sequence = SequenceClassifier.randomSequence(length: 4, inputSize: 3, seed: 94)
        let label = try model.predict(sequence).label
        let attack = PGDAttack.quick(model: model)
        for perturbation in [Perturbation(norm: .linf), Perturbation(norm: .l2, frames: .step(2)), Perturbation(norm: .l1)] {
            let context = "\(randomModelSpecs[modelIndex].name) \(perturbation)"
            let complete = try ladder.radius(sequence, label: label, perturbation: perturbation, tolerance: 1e-2, deadline: nil)
            expectNoCounterexample(model, sequence, label: label, perturbation, radius: complete.radius, context: context + " ladder")
            let anytime = try ladder.radius(sequence, label: label, perturbation: perturbation, tolerance: 1e-2,
                                            deadline: .now + .milliseconds(2))
            expectNoCounterexample(model, sequence, label: label, perturbation, radius: anytime.radius, context: context + " 2 ms")
            for factor in [0.5, 1.2] {
                let decided = try ladder.decide(sequence, label: label, perturbation: perturbation, accept: complete.radius * factor,
                                                refuse: complete.radius * factor / 2, attack: attack, deadline: nil)
                expectNoCounterexample(model, sequence, label: label, perturbation, radius: decided.radius,
                                       context: context + " decided x\(factor)")
            }
        }
    }
}
