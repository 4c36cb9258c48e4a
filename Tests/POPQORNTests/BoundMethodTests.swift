import SequenceModels
import Testing
@testable import POPQORN

/// The cheaper bound methods (issue 11): interval bounds, windowed back-substitution, McCormick-only
/// planes, and the anytime ladder that climbs them. Each must be sound on its own.
@Suite("Bound methods are sound")
struct BoundMethodTests {
    static let methods: [(BoundMethod, fitted: Bool)] = [(.interval, true), (.window(0), true), (.window(1), true),
                                                         (.window(2), false), (.forward, true), (.forward, false),
                                                         (.zonotope(0), true), (.zonotope(2), false), (.zonotope(128), true),
                                                         (.windowAndZonotope(window: 0, keep: 2), true),
                                                         (.windowAndZonotope(window: 1, keep: 128), false), (.full, false)]

    /// Every node of every random model (RNN tanh/ReLU, LSTM, GRU, 1-3 layers, saturating weights) stays
    /// inside its bounds at sampled points, for every method, norm and frame selection.
    @Test(arguments: randomModelSpecs.indices)
    func everyNodeStaysInsideItsBounds(modelIndex: Int) throws {
        let model = randomModelSpecs[modelIndex].make(40)
        let certifier = Certifier(model: model)
        let sequence = SequenceClassifier.randomSequence(length: 5, inputSize: 3, seed: 41)
        let label = try model.predict(sequence).label
        for (method, fitted) in Self.methods {
            for perturbation in perturbationSpecs {
                let problem = try certifier.problem(sequence, label: label, perturbation: perturbation, target: nil)
                for epsilon in [0.05, 0.5] {
                    let engine = LinearBoundEngine(problem: problem, epsilon: epsilon, method: method, fittedPlanes: fitted)
                    expectNodeBoundsHold(engine, problem, sequence, perturbation, epsilon: epsilon, samples: 30, seed: 42,
                                         context: "\(randomModelSpecs[modelIndex].name) \(method) fitted \(fitted) \(perturbation) eps \(epsilon)")
                }
            }
        }
    }

    /// Radii of every method, and of the ladder under a deadline, resist PGD and sampling.
    @Test(arguments: randomModelSpecs.indices)
    func radiiResistAttacks(modelIndex: Int) throws {
        let model = randomModelSpecs[modelIndex].make(50)
        let sequence = SequenceClassifier.randomSequence(length: 4, inputSize: 3, seed: 51)
        let label = try model.predict(sequence).label
        for perturbation in [Perturbation(norm: .linf), Perturbation(norm: .l2, frames: .step(2)), Perturbation(norm: .l1)] {
            for (method, fitted) in Self.methods {
                let certifier = Certifier(model: model, method: method, fittedPlanes: fitted, marginIterations: 0)
                let search = try certifier.radius(sequence, label: label, perturbation: perturbation, tolerance: 1e-2)
                expectNoCounterexample(model, sequence, label: label, perturbation, radius: search.radius,
                                       context: "\(randomModelSpecs[modelIndex].name) \(certifier) \(perturbation)")
            }
            let ladder = CertifierLadder.standard(for: model)
            let anytime = try ladder.radius(sequence, label: label, perturbation: perturbation, tolerance: 1e-2,
                                            deadline: .now + .milliseconds(5))
            expectNoCounterexample(model, sequence, label: label, perturbation, radius: anytime.radius,
                                   context: "\(randomModelSpecs[modelIndex].name) ladder \(perturbation)")
        }
    }

    /// A window as long as the sequence is the full method: the same bounds, node for node.
    @Test func aWindowCoveringTheSequenceIsTheFullMethod() throws {
        let model = randomModelSpecs[3].make(60)
        let sequence = SequenceClassifier.randomSequence(length: 4, inputSize: 3, seed: 61)
        let certifier = Certifier(model: model)
        let problem = try certifier.problem(sequence, label: 0, perturbation: Perturbation(norm: .l2), target: nil)
        let full = LinearBoundEngine(problem: problem, epsilon: 0.2)
        let window = LinearBoundEngine(problem: problem, epsilon: 0.2, method: .window(4))
        #expect(full.lower == window.lower && full.upper == window.upper)
    }

    /// A check that fails at eps proves a smaller radius with its own relaxations (sound on every smaller
    /// ball): that radius resists attacks, and a fresh check there, on tighter boxes, certifies it.
    @Test(arguments: randomModelSpecs.indices)
    func aFailedCheckProvesTheRadiusItReports(modelIndex: Int) throws {
        let model = randomModelSpecs[modelIndex].make(97)
        let sequence = SequenceClassifier.randomSequence(length: 4, inputSize: 3, seed: 98)
        let label = try model.predict(sequence).label
        for perturbation in [Perturbation(norm: .linf), Perturbation(norm: .l2, frames: .step(1)), Perturbation(norm: .l1)] {
            for method in [BoundMethod.window(1), .forward, .zonotope(2), .windowAndZonotope(window: 1, keep: 2), .full] {
                let certifier = Certifier(model: model, method: method, marginIterations: 0)
                let radius = try certifier.radius(sequence, label: label, perturbation: perturbation, tolerance: 1e-2).radius
                guard radius > 0 else { continue }
                let failed = try certifier.check(sequence, label: label, perturbation: perturbation, epsilon: radius * 1.5)
                let context = "\(randomModelSpecs[modelIndex].name) \(method) \(perturbation)"
                #expect(!failed.certified && failed.provenRadius < failed.epsilon, "\(context)")
                guard failed.provenRadius > 0 else { continue }
                let again = try certifier.check(sequence, label: label, perturbation: perturbation, epsilon: failed.provenRadius)
                #expect(again.certified && again.provenRadius == again.epsilon, "\(context)")
                expectNoCounterexample(model, sequence, label: label, perturbation, radius: failed.provenRadius, context: context)
            }
        }
    }

    /// A pass whose rows are split over a second core bounds every node exactly as the one-thread pass
    /// does: rows never mix, so the halves are the same arithmetic.
    @Test(arguments: [0, 3, 5, 8])
    func splittingAPassOverTwoCoresChangesNoBound(modelIndex: Int) throws {
        let model = randomModelSpecs[modelIndex].make(95)
        let sequence = SequenceClassifier.randomSequence(length: 6, inputSize: 3, seed: 96)
        let problem = try Certifier(model: model).problem(sequence, label: 0, perturbation: Perturbation(norm: .l2), target: nil)
        let alone = LinearBoundEngine(problem: problem, epsilon: 0.1, cores: ComputeCores(count: 1))
        let shared = LinearBoundEngine(problem: problem, epsilon: 0.1, cores: ComputeCores(count: 2, smallestSplitPass: 0))
        for id in alone.lower.indices {
            for k in alone.lower[id].indices {
                #expect(abs(alone.lower[id][k] - shared.lower[id][k]) <= 1e-12 * (1 + abs(alone.lower[id][k])))
                #expect(abs(alone.upper[id][k] - shared.upper[id][k]) <= 1e-12 * (1 + abs(alone.upper[id][k])))
            }
        }
        #expect(alone.passes == shared.passes && alone.flops == shared.flops)
    }

    /// At a tiny radius every relaxation is nearly exact, so forward-mode bounds and zonotopes (even
    /// reduced to no kept symbol: reduction folds only the relaxations' second-order symbols) must be
    /// nearly as narrow as the full method's: a gross widening would be a defect in some operation's
    /// forward or zonotope verb. So must a window that ends on the zonotopes of the states it cuts off
    /// (a window ending on their intervals is not: it loses how they vary together).
    @Test(arguments: randomModelSpecs.indices)
    func carriedBoundsAreNearlyExactAtATinyRadius(modelIndex: Int) throws {
        let model = randomModelSpecs[modelIndex].make(90)
        let sequence = SequenceClassifier.randomSequence(length: 5, inputSize: 3, seed: 91)
        let certifier = Certifier(model: model)
        for perturbation in [Perturbation(norm: .linf), Perturbation(norm: .l2, frames: .step(2))] {
            let problem = try certifier.problem(sequence, label: 0, perturbation: perturbation, target: nil)
            let full = LinearBoundEngine(problem: problem, epsilon: 1e-6)
            for method in [BoundMethod.forward, .zonotope(0), .windowAndZonotope(window: 1, keep: 0)] {
                let carried = LinearBoundEngine(problem: problem, epsilon: 1e-6, method: method)
                for id in full.lower.indices {
                    for k in full.lower[id].indices {
                        let exact = full.upper[id][k] - full.lower[id][k]
                        let width = carried.upper[id][k] - carried.lower[id][k]
                        #expect(width <= 1.5 * exact + 1e-9,
                                "\(randomModelSpecs[modelIndex].name) \(method) \(perturbation) node \(id)[\(k)]: \(width) vs \(exact)")
                    }
                }
            }
        }
    }

    /// Over a long sequence the zonotope's rounding allowances must be carried as symbols, not as boxes:
    /// a box goes through |W| at every step and, on a GRU with weights of norm above one, grows
    /// geometrically (the 32-step video GRU once reached margins of -700 at eps 1e-5 that way). At a tiny
    /// radius a 40-step GRU's zonotope bounds stay nearly as narrow as the full method's. (With K = 0 they
    /// do not: folding every symbol at every step wraps the folded mass the same way, up to 1300 times the
    /// full width at step 40 here; K = 8 already keeps it within 10%.)
    ///
    /// The same holds for a stacked GRU, whose first layer's states the second layer reads at their own
    /// step: those are reduced too (`LinearBoundEngine.readInOtherStep`). They once were not, and the
    /// 50-step, 2-layer speech GRU's zonotope then proved nothing, with margins of -7000 at eps 1e-5.
    @Test(arguments: [1, 2])
    func zonotopeBoundsStayNarrowOverALongSequence(layers: Int) throws {
        let model = SequenceClassifier.random(architecture: .gru, inputSize: 3, hiddenSize: 16, numLayers: layers, numClasses: 3,
                                              scale: 2, seed: 74)
        let sequence = SequenceClassifier.randomSequence(length: 40, inputSize: 3, seed: 75)
        let problem = try Certifier(model: model).problem(sequence, label: 0, perturbation: Perturbation(norm: .linf), target: nil)
        let full = LinearBoundEngine(problem: problem, epsilon: 1e-7)
        let zonotope = LinearBoundEngine(problem: problem, epsilon: 1e-7, method: .zonotope(32))
        for id in full.lower.indices {
            for k in full.lower[id].indices {
                let exact = full.upper[id][k] - full.lower[id][k]
                let width = zonotope.upper[id][k] - zonotope.lower[id][k]
                #expect(width <= 1.5 * exact + 1e-9, "node \(id)[\(k)]: \(width) vs \(exact)")
            }
        }
    }

    /// A window that ends on the zonotopes of the states it cuts off keeps how they vary together with
    /// each other and with the older frames, so on a 40-step GRU at a tiny radius its bounds stay nearly
    /// as narrow as the full method's. A window ending on the states' intervals does not: there a
    /// one-step window ends millions of times wider than full on some neurons (their boxes wrap).
    @Test func aWindowEndingOnZonotopesStaysNarrowOverALongSequence() throws {
        let model = SequenceClassifier.random(architecture: .gru, inputSize: 3, hiddenSize: 16, numClasses: 3, scale: 2, seed: 74)
        let sequence = SequenceClassifier.randomSequence(length: 40, inputSize: 3, seed: 75)
        let problem = try Certifier(model: model).problem(sequence, label: 0, perturbation: Perturbation(norm: .linf), target: nil)
        let full = LinearBoundEngine(problem: problem, epsilon: 1e-7)
        let hybrid = LinearBoundEngine(problem: problem, epsilon: 1e-7, method: .windowAndZonotope(window: 1, keep: 32))
        let window = LinearBoundEngine(problem: problem, epsilon: 1e-7, method: .window(1))
        var widest = 0.0
        for id in full.lower.indices {
            for k in full.lower[id].indices {
                let exact = full.upper[id][k] - full.lower[id][k]
                let width = hybrid.upper[id][k] - hybrid.lower[id][k]
                #expect(width <= 1.5 * exact + 1e-9, "node \(id)[\(k)]: \(width) vs \(exact)")
                widest = max(widest, (window.upper[id][k] - window.lower[id][k]) / (exact + 1e-9))
            }
        }
        #expect(widest > 100, "the window alone is as narrow: the test no longer shows the zonotopes' part")
    }

    /// Without a deadline the ladder ends on the tightest rung and never proves less than its first rung.
    @Test func theLadderClimbsToTheTopAndKeepsTheBestRadius() throws {
        let model = randomModelSpecs[5].make(70)
        let sequence = SequenceClassifier.randomSequence(length: 4, inputSize: 3, seed: 71)
        let label = try model.predict(sequence).label
        let perturbation = Perturbation(norm: .l2)
        let ladder = CertifierLadder.standard(for: model)
        let climbed = try ladder.radius(sequence, label: label, perturbation: perturbation, deadline: nil)
        let first = try ladder.rungs[0].radius(sequence, label: label, perturbation: perturbation)
        let top = try ladder.rungs[ladder.rungs.count - 1].radius(sequence, label: label, perturbation: perturbation)
        #expect(climbed.complete && climbed.radius >= first.radius)
        #expect(climbed.radius >= top.radius * (1 - 1e-2))
        // A decision at half the top radius is taken, and by the cheapest rung that proves it.
        let decided = try ladder.check(sequence, label: label, perturbation: perturbation, epsilon: first.radius / 2, deadline: nil)
        #expect(decided.check.certified && decided.rung == 0)
    }

    /// The anytime search's first guess, the linearised radius, is a positive number for the predicted
    /// label of every random model, under every norm and frame selection; there is none for a label the
    /// model does not predict (its margin is negative). Warming a certifier up works on every model.
    @Test(arguments: randomModelSpecs.indices)
    func theFirstGuessIsTheLinearisedRadius(modelIndex: Int) throws {
        let model = randomModelSpecs[modelIndex].make(72)
        let sequence = SequenceClassifier.randomSequence(length: 4, inputSize: 3, seed: 73)
        let label = try model.predict(sequence).label
        let certifier = Certifier(model: model)
        for perturbation in perturbationSpecs {
            let guess = try certifier.linearizedRadius(sequence, label: label, perturbation: perturbation, target: nil)
            #expect(guess.map { $0.isFinite && $0 > 0 } == true, "\(randomModelSpecs[modelIndex].name) \(perturbation)")
            let other = (label + 1) % model.numClasses
            #expect(try certifier.linearizedRadius(sequence, label: other, perturbation: perturbation, target: nil) == nil)
        }
        CertifierLadder.standard(for: model).warmUp(length: sequence.count)
    }

    /// A warm-up at a length whose check would take long (a 300-step LSTM: full back-substitution is
    /// quadratic in the length) stops at its budget, so warming a command up at its input's length cannot
    /// hold it up for long.
    @Test func aWarmUpStopsAtItsBudget() {
        let model = SequenceClassifier.random(architecture: .lstm, inputSize: 3, hiddenSize: 16, numClasses: 3, scale: 2, seed: 75)
        let ladder = CertifierLadder(model: model, rungs: [CertifierRung(method: .full)])
        let elapsed = ContinuousClock().measure { ladder.warmUp(length: 300, budget: .milliseconds(10)) }
        #expect(elapsed < .seconds(3), "\(elapsed)")
    }

    @Test func methodsParseAndPrint() {
        #expect(BoundMethod(argument: "interval") == .interval)
        #expect(BoundMethod(argument: "full") == .full)
        #expect(BoundMethod(argument: "forward") == .forward)
        #expect(BoundMethod(argument: "window") == .window(BoundMethod.defaultWindow))
        #expect(BoundMethod(argument: "window:7")?.description == "window:7")
        #expect(BoundMethod(argument: "zonotope") == .zonotope(BoundMethod.defaultKeptSymbols))
        #expect(BoundMethod(argument: "zonotope:0")?.description == "zonotope:0")
        #expect(BoundMethod(argument: "window:2+zonotope:8") == .windowAndZonotope(window: 2, keep: 8))
        #expect(BoundMethod(argument: "window+zonotope")?.description == "window:4+zonotope:128")
        for bad in ["window:-1", "window:x", "window:1:2", "zonotope:-3", "zonotope:", "forward:2", "fast", "",
                    "zonotope:2+window:1", "window:1+forward", "window:1+zonotope:", "window:1+zonotope:2+zonotope:2", "+"] { #expect(BoundMethod(argument: bad) == nil, "\(bad)") }
    }
}

@Suite("Threshold decisions take the cheapest proof")
struct ThresholdDecisionTests {
    let model = randomModelSpecs[3].make(80)
    let sequence = SequenceClassifier.randomSequence(length: 4, inputSize: 3, seed: 81)
    let perturbation = Perturbation(norm: .linf)

    /// Accept when the accept threshold is proven; fragile when only refuse_below is; refused with the
    /// counterexample's distance when an attack finds one within refuse_below, and that example is real.
    @Test func acceptFragileAndRefutedAreEachReachable() throws {
        let label = try model.predict(sequence).label
        let ladder = CertifierLadder.standard(for: model)
        let radius = try ladder.radius(sequence, label: label, perturbation: perturbation, deadline: nil).radius
        try #require(radius > 0)
        let attack = PGDAttack.quick(model: model)
        let accepted = try ladder.decide(sequence, label: label, perturbation: perturbation, accept: radius / 2,
                                         refuse: radius / 4, attack: attack, deadline: nil)
        #expect(accepted.radius == radius / 2 && accepted.complete && accepted.counterexampleDistance == nil)
        let fragile = try ladder.decide(sequence, label: label, perturbation: perturbation, accept: radius * 100,
                                        refuse: radius / 2, attack: attack, deadline: nil)
        #expect(fragile.radius == radius / 2 && fragile.failedAt == radius * 100)
        // Far beyond any certificate the quick attack finds an input of another class.
        let strong = PGDAttack(model: model, steps: 60, restarts: 4)
        let attacked = try #require(strong.radius(sequence, label: label, perturbation: perturbation))
        let refuted = try ladder.decide(sequence, label: label, perturbation: perturbation, accept: attacked * 8,
                                        refuse: attacked * 4, attack: attack, deadline: nil)
        let distance = try #require(refuted.counterexampleDistance)
        #expect(refuted.radius == 0 && distance <= attacked * 4 * (1 + 1e-12) && distance >= radius)
    }
}
