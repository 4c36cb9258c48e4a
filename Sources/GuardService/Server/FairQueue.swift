/// The requests waiting for a worker, taken in an order that keeps one model's slow certificates from
/// starving everything else: predictions first (each costs about one forward pass, so nothing waits long
/// behind them), then certifications from the models in turn, oldest first within a model. A flood of
/// radius searches on one model then delays another model's certificates by at most one job per model.
struct FairQueue: Sendable {
    private var predictions = FIFO<Job>()
    private var certifications: [String: FIFO<Job>] = [:]
    /// Models with certifications waiting, in the order they take turns.
    private var rotation: [String] = []

    private(set) var count = 0
    var isEmpty: Bool { count == 0 }

    /// Every waiting job (no particular order).
    var elements: [Job] { Array(predictions.elements) + certifications.values.flatMap(\.elements) }

    mutating func append(_ job: Job) {
        count += 1
        guard job.request.op == .certify else { predictions.append(job); return }
        let model = job.request.model ?? ""
        if certifications[model, default: FIFO()].isEmpty { rotation.append(model) }
        certifications[model, default: FIFO()].append(job)
    }

    /// The next job to run, removed.
    mutating func popFirst() -> Job? {
        if let job = predictions.popFirst() {
            count -= 1
            return job
        }
        guard !rotation.isEmpty else { return nil }
        let model = rotation.removeFirst()
        let job = certifications[model]?.popFirst()
        // A model with more waiting goes to the back of the rotation.
        if certifications[model]?.isEmpty == false { rotation.append(model) } else { certifications[model] = nil }
        if job != nil { count -= 1 }
        return job
    }

    /// Removes and returns every job that `isRemoved` selects (oldest first within each lane).
    mutating func removeAll(where isRemoved: (Job) -> Bool) -> [Job] {
        var removed = predictions.removeAll(where: isRemoved)
        for model in Array(certifications.keys) {
            removed += certifications[model]?.removeAll(where: isRemoved) ?? []
            if certifications[model]?.isEmpty == true {
                certifications[model] = nil
                rotation.removeAll { $0 == model }
            }
        }
        count -= removed.count
        return removed
    }
}
