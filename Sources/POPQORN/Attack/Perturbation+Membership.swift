extension Perturbation {
    /// The smallest eps whose perturbation set about `centre` contains `point`: the largest l_p norm of a
    /// selected frame's change, or infinity when an unselected frame changed at all.
    public func distortion(of point: [[Double]], from centre: [[Double]]) -> Double {
        precondition(point.count == centre.count, "point of \(point.count) steps, centre of \(centre.count)")
        var largest = 0.0
        for t in centre.indices {
            if frames.contains(t) {
                largest = max(largest, norm.length(zip(point[t], centre[t]).map { $0 - $1 }))
            } else if point[t] != centre[t] {
                return .infinity
            }
        }
        return largest
    }

    /// Whether `point` lies in the set of radius `epsilon` about `centre`, allowing the 1e-12 relative slack
    /// that rounding `centre + delta` can cost.
    public func contains(_ point: [[Double]], centre: [[Double]], epsilon: Double) -> Bool {
        distortion(of: point, from: centre) <= epsilon * (1 + 1e-12)
    }
}
