import POPQORN

/// The two things the sidecar asks of a certifier ladder, run and timed on one model's inputs: the
/// anytime radius within a budget (a policy's `deadline_ms`, `certify --radius --budget-ms`) and the
/// threshold decision (`decide`: accept at the typical radius, refuse below half of it, the quick attack
/// first). `MethodBenchmark` and `TargetBenchmark` both print these figures.
struct LadderRuns: BenchFigures {
    let sequences: [[[Double]]]
    let labels: [Int]
    let perturbation: Perturbation

    /// Each input's radius proven by the ladder within `budgetMs`, with the time it took.
    func budgeted(_ ladder: CertifierLadder, budgetMs: Double) throws -> [(seconds: Double, radius: Double)] {
        try sequences.indices.map { index in
            let run = try Self.timed {
                try ladder.radius(sequences[index], label: labels[index], perturbation: perturbation,
                                  deadline: .now + .microseconds(Int64(budgetMs * 1000)))
            }
            return (run.seconds, run.value.radius)
        }
    }

    /// Each input's decision at `accept` = `typical` and `refuse` = `typical` / 2, with its time.
    func decisions(_ ladder: CertifierLadder, typical: Double, climbMargin: Double?,
                   attack: PGDAttack) throws -> [(seconds: Double, decision: ThresholdDecision)] {
        try sequences.indices.map { index in
            let run = try Self.timed {
                try ladder.decide(sequences[index], label: labels[index], perturbation: perturbation, accept: typical,
                                  refuse: typical / 2, attack: attack, climbMargin: climbMargin, deadline: nil)
            }
            return (run.seconds, run.value)
        }
    }
}
