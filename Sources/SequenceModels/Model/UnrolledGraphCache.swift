import Synchronization

/// The graphs a model was unrolled into, by sequence length: a graph depends only on the weights and
/// the length, and rebuilding it for every request would cost the forward pass about a third of its
/// time. Shared by every thread that runs the model; bounded, so a client sending every length up to the
/// limit cannot make it grow without end.
final class UnrolledGraphCache: Sendable {
    private static let capacity = 32
    private let graphs = Mutex<[Int: UnrolledClassifier]>([:])

    func graph(length: Int, build: () -> UnrolledClassifier) -> UnrolledClassifier {
        if let cached = graphs.withLock({ $0[length] }) { return cached }
        let built = build()
        graphs.withLock { graphs in
            // Past capacity, forget everything: lengths in traffic come back and are rebuilt once.
            if graphs.count >= Self.capacity { graphs.removeAll(keepingCapacity: true) }
            graphs[length] = built
        }
        return built
    }
}
