/// POPQORN's perturbation model: every selected frame x_t moves inside its own l_p ball of radius eps,
/// `{ X + D : ||D_t||_p <= eps for selected t, D_t = 0 otherwise }`.
public struct Perturbation: Sendable, Equatable {
    public var norm: Norm
    public var frames: FrameSelection

    public init(norm: Norm, frames: FrameSelection = .all) {
        self.norm = norm
        self.frames = frames
    }

    /// The box that contains each perturbed frame's ball: every coordinate moves by up to eps under any
    /// p (a unit vector along one axis has l_1 = l_2 = l_inf norm 1), so the box is x +- eps, never narrower.
    public func coordinateRadius(epsilon: Double, step: Int) -> Double {
        frames.contains(step) ? epsilon : 0
    }
}
