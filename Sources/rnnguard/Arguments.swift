import ArgumentParser
import POPQORN

/// `--norm 1|2|inf`.
struct NormArgument: ExpressibleByArgument {
    let value: Norm
    init(_ value: Norm) { self.value = value }
    init?(argument: String) {
        guard let norm = Norm(argument: argument) else { return nil }
        value = norm
    }
    var defaultValueDescription: String { value.rawValue }
}

/// `--frames all|T|A:B`.
struct FramesArgument: ExpressibleByArgument {
    let value: FrameSelection
    init(_ value: FrameSelection) { self.value = value }
    init?(argument: String) {
        guard let frames = FrameSelection(argument: argument) else { return nil }
        value = frames
    }
    var defaultValueDescription: String { value.description }
}
