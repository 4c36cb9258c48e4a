import SequenceModels

extension Certifier {
    /// Where an anytime radius search should try first: the radius at which the prediction's linearisation
    /// loses its margin, min over rivals j of m_j / sum over perturbed frames t of ||d m_j / d x_t||_q
    /// (m_j = y_label - y_j at the input, q the dual norm). Only a guess, never a certificate: the search
    /// proves whatever it returns.
    ///
    /// Why it pays under a deadline: a check that fails a little above the certified radius still proves
    /// most of it (`ThresholdCheck.provenRadius`; on the digits RNN a window check at 1.5x the full radius
    /// proves 94% of it, at 2x 86%), and the linearised radius is usually of that order, while a fixed
    /// first trial can be off by orders of magnitude. One forward trace, and one gradient for each of
    /// the `rivals` classes with the smallest margins (a gradient costs about a forward pass; the minimum
    /// is almost always among the closest rivals, and a guess needs no more). nil when the guess is not
    /// a usable positive number.
    func linearizedRadius(_ sequence: [[Double]], label: Int, perturbation: Perturbation, target: Int?,
                          rivals: Int = 3) throws -> Double? {
        try model.validate(sequence)
        let trace = model.trace(sequence)
        let classes = model.numClasses
        let closest = (0..<classes).filter { $0 != label && (target == nil || target == $0) }
            .sorted { trace.logits[$0] > trace.logits[$1] }.prefix(rivals)
        var guess = Double.infinity
        for rival in closest {
            var weights = [Double](repeating: 0, count: classes)
            weights[label] = 1
            weights[rival] = -1
            let margin = trace.logits[label] - trace.logits[rival]
            let gradient = model.backpropagate(trace, outputWeights: weights)
            var slope = 0.0
            for (t, frame) in gradient.enumerated() where perturbation.frames.contains(t) {
                slope += frame.withUnsafeBufferPointer { perturbation.norm.dual($0) }
            }
            if slope > 0 { guess = min(guess, margin / slope) }
        }
        return guess.isFinite && guess > Self.smallestRadius ? guess : nil
    }
}
