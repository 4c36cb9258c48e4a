import ArgumentParser
import POPQORN

/// A certifier setting that parses itself from a command-line word and prints itself back.
protocol CommandLineValue: CustomStringConvertible {
    init?(argument: String)
}

extension Norm: CommandLineValue {
    public var description: String { rawValue }
}
extension FrameSelection: CommandLineValue {}
extension BoundMethod: CommandLineValue {}

/// An option holding a `CommandLineValue`: `--norm 1|2|inf`, `--frames all|T|A:B`,
/// `--method interval|window:K|forward|zonotope:K|window:K+zonotope:K|full`.
struct ValueArgument<Value: CommandLineValue>: ExpressibleByArgument {
    let value: Value
    init(_ value: Value) { self.value = value }
    init?(argument: String) {
        guard let value = Value(argument: argument) else { return nil }
        self.value = value
    }
    var defaultValueDescription: String { value.description }
}

typealias NormArgument = ValueArgument<Norm>
typealias FramesArgument = ValueArgument<FrameSelection>
typealias MethodArgument = ValueArgument<BoundMethod>

/// `--ladder RUNG,RUNG,...`: a certifier ladder, cheapest rung first, in the names `bench --methods`
/// prints (`CertifierRung`). Parsed in `validate()` rather than by the argument parser, so that a bad
/// rung gets `CertifierRung.LadderError`'s message instead of a generic "invalid value".
struct LadderArgument {
    let text: String

    func rungs() throws -> [CertifierRung] {
        do {
            return try CertifierRung.ladder(text.split(separator: ",", omittingEmptySubsequences: false).map(String.init))
        } catch {
            throw ValidationError("--ladder: \(error)")
        }
    }
}
