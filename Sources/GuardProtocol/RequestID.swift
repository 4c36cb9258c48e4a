/// A request's `id`, echoed unchanged in its reply: a JSON string or integer, or null when the request
/// had none or could not be parsed.
public enum RequestID: Sendable, Hashable, Codable, CustomStringConvertible {
    case string(String)
    case number(Int)
    case none

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .none
        } else if let number = try? container.decode(Int.self) {
            self = .number(number)
        } else {
            self = .string(try container.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let text): try container.encode(text)
        case .number(let number): try container.encode(number)
        case .none: try container.encodeNil()
        }
    }

    public var description: String {
        switch self {
        case .string(let text): text
        case .number(let number): "\(number)"
        case .none: "null"
        }
    }
}
