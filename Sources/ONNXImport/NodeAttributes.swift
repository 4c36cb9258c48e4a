import Foundation

/// Typed, range-checked access to one node's attributes.
struct NodeAttributes {
    private let byName: [String: Onnx_AttributeProto]

    init(_ node: Onnx_NodeProto) {
        byName = Dictionary(node.attribute.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    var names: Set<String> { Set(byName.keys) }

    func has(_ name: String) -> Bool { byName[name] != nil }

    /// An integer attribute within `range` (every integer from the file is range-checked before use).
    func int(_ name: String, default fallback: Int? = nil, in range: ClosedRange<Int> = -(1 << 40)...(1 << 40)) throws(NodeProblem) -> Int {
        guard let attribute = byName[name] else {
            guard let fallback else { throw NodeProblem("attribute \(name) is missing") }
            return fallback
        }
        guard range.contains(Int(attribute.i)) else { throw NodeProblem("attribute \(name) = \(attribute.i) is outside \(range)") }
        return Int(attribute.i)
    }

    func ints(_ name: String) -> [Int]? {
        byName[name].map { $0.ints.map { Int($0) } }
    }

    func float(_ name: String, default fallback: Double) throws(NodeProblem) -> Double {
        guard let attribute = byName[name] else { return fallback }
        guard attribute.f.isFinite else { throw NodeProblem("attribute \(name) is not finite") }
        return Double(attribute.f)
    }

    func string(_ name: String, default fallback: String) -> String {
        byName[name].map { String(decoding: $0.s, as: UTF8.self) } ?? fallback
    }

    func strings(_ name: String) -> [String]? {
        byName[name].map { $0.strings.map { String(decoding: $0, as: UTF8.self) } }
    }

    func tensor(_ name: String) -> Onnx_TensorProto? {
        byName[name].flatMap { $0.hasT ? $0.t : nil }
    }

    func floats(_ name: String) -> [Float]? {
        byName[name].map(\.floats)
    }
}
