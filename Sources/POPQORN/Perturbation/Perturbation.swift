/// POPQORN's perturbation model: every selected frame x_t moves inside its own l_p ball of radius eps,
/// `{ X + D : ||D_t||_p <= eps for selected t, D_t = 0 otherwise }`.
public struct Perturbation: Sendable, Equatable {
    public var norm: Norm
    public var frames: FrameSelection

    public init(norm: Norm, frames: FrameSelection = .all) {
        self.norm = norm
        self.frames = frames
    }
}
