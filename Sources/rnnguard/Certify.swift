import ArgumentParser
import Foundation
import POPQORN
import SequenceModels

/// `rnnguard certify`: POPQORN certificates for one input or a JSON-lines file of inputs.
struct Certify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Certify predictions: a threshold check, a radius search, per-frame sensitivity, an attack.")

    @OptionGroup var model: ModelOption
    @Option(name: .long, help: "JSON input file or JSON lines; - for stdin.")
    var input: String
    @Option(name: .long, help: "Norm of each frame's ball: 1, 2 or inf.")
    var norm: NormArgument = NormArgument(Norm.l2)
    @Option(name: .long, help: "Perturbed frames: all, T, or A:B (0-based, inclusive).")
    var frames: FramesArgument = FramesArgument(.all)
    @Option(name: .long, help: "Certify against this class only (targeted).")
    var target: Int?
    @Option(name: .long, help: "Check one radius: is the prediction certified at EPS?")
    var threshold: Double?
    @Flag(name: .long, help: "Search the largest certified radius (the default when --threshold is absent).")
    var radius = false
    @Option(name: .long, help: "Relative tolerance of the radius search.")
    var tolerance: Double = 1e-3
    @Flag(name: .long, help: "Also compute the certified radius of every single frame.")
    var sensitivity = false
    @Flag(name: .long, help: "Also run a PGD attack for an upper bound on the minimum adversarial distortion.")
    var attack = false
    @Flag(name: .long, help: "Skip the margin optimizer: POPQORN's fixed relaxations only (faster, looser).")
    var fast = false
    @Flag(name: .long, help: "Optimize every intermediate bound too: a few percent tighter, many times slower (audits).")
    var thorough = false
    @Option(name: .long, help: "Intermediate bounds: interval, window:K (back-substitution over the last K steps), forward (forward-mode linear bounds), zonotope:K (zonotopes keeping K symbols per state; zonotope: K = 128), window:K+zonotope:K (a window that ends on the zonotopes of the states it cuts off) or full (POPQORN; the default).")
    var method: MethodArgument = MethodArgument(.full)
    @Option(name: .long, help: "Anytime certification: climb the certifier ladder (--ladder) and report the best proven within MS milliseconds (fractional allowed).")
    var budgetMs: Double?
    @Option(name: .long, help: "With --budget-ms: the ladder's rungs, cheapest first, as bench --methods names them (default: zonotope:128+mccormick,full,full+optimizer).")
    var ladder: String?
    @Option(name: .long, help: "Cores one certificate may use while they are idle (default: every core; 1 keeps it on one thread).")
    var cores: Int?

    func validate() throws {
        if let cores, !(1...1024).contains(cores) { throw ValidationError("--cores must lie in 1...1024") }
        if threshold != nil && radius { throw ValidationError("give --threshold EPS or --radius, not both") }
        if fast && thorough { throw ValidationError("give --fast or --thorough, not both") }
        if let threshold, !(threshold.isFinite && threshold >= 0) { throw ValidationError("--threshold must be >= 0") }
        if !(tolerance > 0 && tolerance < 1) { throw ValidationError("--tolerance must lie in (0, 1)") }
        if let budgetMs, !(budgetMs > 0 && budgetMs <= 86_400_000) { throw ValidationError("--budget-ms must lie in (0, 86400000]") }
        if budgetMs != nil && (thorough || sensitivity || fast || method.value != .full) {
            throw ValidationError("--budget-ms climbs its own ladder of methods: drop --method, --fast, --thorough and --sensitivity")
        }
        if let ladder {
            guard budgetMs != nil else { throw ValidationError("--ladder needs --budget-ms") }
            _ = try LadderArgument(text: ladder).rungs()
        }
    }

    func run() throws {
        if let cores { ComputeCores.shared.limit(to: cores) }
        let classifier = try model.load()
        let certifier = Certifier(model: classifier, method: method.value, marginIterations: fast ? 0 : Certifier.defaultMarginIterations,
                                  intermediateIterations: thorough ? 10 : 0)
        let ladder = CertifierLadder(model: classifier, rungs: try ladder.map { try LadderArgument(text: $0).rungs() } ?? CertifierRung.standardLadder)
        // A budget should measure certification, not what the process does once on its first certificate
        // of a length: each new length is warmed up before its first input's clock starts.
        var warmedLengths: Set<Int> = []
        var bar: ProgressBar?
        defer { bar?.finish() }
        try InputFile.forEach(in: input, { item in
            let sequence = try classifier.sequence(for: item)
            if budgetMs != nil && warmedLengths.insert(sequence.count).inserted { ladder.warmUp(length: sequence.count) }
            try JSONOutput.line(try certify(sequence, with: certifier, ladder: ladder))
        }, progress: { done, total in
            guard total > 1 else { return }
            if bar == nil { bar = ProgressBar(total: total) }
            bar?.update(done: done)
        })
    }

    private func certify(_ sequence: [[Double]], with certifier: Certifier, ladder: CertifierLadder) throws -> CertificateReport {
        let clock = ContinuousClock()
        let start = clock.now
        let prediction = try certifier.model.predict(sequence)
        let perturbation = Perturbation(norm: norm.value, frames: frames.value)
        var report = CertificateReport(prediction: prediction, perturbation: perturbation, target: target)
        if let budgetMs {
            // The budget counts from here, so `seconds` and the budget measure the same work.
            let deadline = start + .microseconds(Int64(budgetMs * 1000))
            if let threshold {
                let decided = try ladder.check(sequence, label: prediction.label, perturbation: perturbation,
                                               epsilon: threshold, target: target, deadline: deadline)
                report.threshold = .init(decided.check)
                report.method = ladder.rungs[decided.rung].description
                report.backwardPasses += decided.backwardPasses
                report.boundComputations += decided.computations
            } else {
                report.record(try ladder.radius(sequence, label: prediction.label, perturbation: perturbation,
                                                target: target, tolerance: tolerance, deadline: deadline))
                report.method = "anytime"
            }
        } else if let threshold {
            let check = try certifier.check(sequence, label: prediction.label, perturbation: perturbation,
                                            epsilon: threshold, target: target)
            report.threshold = .init(check)
            report.backwardPasses += check.backwardPasses
            report.boundComputations += 1
        } else {
            let search = try certifier.radius(sequence, label: prediction.label, perturbation: perturbation,
                                              target: target, tolerance: tolerance)
            report.record(search)
        }
        if sensitivity {
            let perFrame = try certifier.sensitivity(sequence, label: prediction.label, norm: norm.value,
                                                     target: target, tolerance: tolerance)
            report.frameRadii = perFrame.map(\.radius)
            perFrame.forEach { report.count($0) }
        }
        if attack {
            report.attackRadius = PGDAttack(model: certifier.model)
                .radius(sequence, label: prediction.label, perturbation: perturbation, target: target)
        }
        report.seconds = (clock.now - start).seconds
        return report
    }
}
