import Foundation

/// The nodes of the shape plumbing that only ever produce constants: Constant, Shape, ConstantOfShape,
/// Cast and integer or float arithmetic on constants (Add, Sub, Mul, Div).
enum ConstantFolding {
    static let ops: Set<String> = ["Constant", "Shape", "ConstantOfShape", "Cast", "Add", "Sub", "Mul", "Div"]

    static func evaluate(_ op: String, _ attributes: NodeAttributes, _ inputs: [GraphValue?]) throws(NodeProblem) -> GraphValue {
        switch op {
        case "Constant": return try constant(attributes)
        case "Shape":
            let shape = try required(inputs, 0).shape
            let rank = shape.count
            // Shape's start / end (opset 15) clamp to the rank, negative counting from the end.
            let clamp = { (position: Int) in min(max(position < 0 ? position + rank : position, 0), rank) }
            let start = clamp(try attributes.int("start", default: 0)), end = clamp(try attributes.int("end", default: rank))
            let dimensions = start < end ? Array(shape[start..<end]) : []
            return .integers(try ShapedArray(shape: [dimensions.count], elements: dimensions))
        case "ConstantOfShape":
            let shape = try required(inputs, 0).integers("shape").elements
            let fill = try attributes.tensor("value").map { tensor throws(NodeProblem) in try TensorDecoding.value(of: tensor) }
                ?? .floats(ShapedArray(scalar: 0))
            return try fill.relaid(.broadcast(shape))
        case "Cast": return try cast(required(inputs, 0), to: attributes.int("to"))
        default: return try arithmetic(op, required(inputs, 0), required(inputs, 1))
        }
    }

    static func required(_ inputs: [GraphValue?], _ index: Int) throws(NodeProblem) -> GraphValue {
        guard index < inputs.count, let value = inputs[index] else { throw NodeProblem("input \(index) is missing") }
        return value
    }

    private static func constant(_ attributes: NodeAttributes) throws(NodeProblem) -> GraphValue {
        if let tensor = attributes.tensor("value") { return try TensorDecoding.value(of: tensor) }
        if attributes.has("value_float") { return .floats(ShapedArray(scalar: try attributes.float("value_float", default: 0))) }
        if let floats = attributes.floats("value_floats") {
            return .floats(try ShapedArray(shape: [floats.count], elements: floats.map(Double.init)))
        }
        if attributes.has("value_int") { return .integers(ShapedArray(scalar: try attributes.int("value_int"))) }
        if let ints = attributes.ints("value_ints") { return .integers(try ShapedArray(shape: [ints.count], elements: ints)) }
        throw NodeProblem("a Constant of kind \(attributes.names.sorted()) is not supported (value, value_float(s), value_int(s) are)")
    }

    /// Cast between the float types (computed in Double) and the integer and boolean types.
    private static func cast(_ value: GraphValue, to type: Int) throws(NodeProblem) -> GraphValue {
        guard let target = Onnx_TensorProto.DataType(rawValue: type) else { throw NodeProblem("cast to unknown type \(type)") }
        let toFloat: Bool
        switch target {
        case .float, .double, .float16, .bfloat16: toFloat = true
        case .int64, .int32, .int16, .int8, .uint8, .uint16, .uint32, .bool: toFloat = false
        default: throw NodeProblem("cast to \(target) is not supported")
        }
        switch value {
        case .floats(let array) where toFloat: return .floats(array)
        case .integers(let array) where !toFloat:
            return .integers(target == .bool ? try ShapedArray(shape: array.shape, elements: array.elements.map { $0 == 0 ? 0 : 1 }) : array)
        case .integers(let array): return .floats(try ShapedArray(shape: array.shape, elements: array.elements.map(Double.init)))
        case .floats(let array):
            // Float to integer truncates; values outside Int (or NaN) have no integer to become.
            var integers: [Int] = []
            for element in array.elements {
                guard element.isFinite, abs(element) < 0x1p62 else { throw NodeProblem("cannot cast \(element) to an integer") }
                integers.append(target == .bool ? (element == 0 ? 0 : 1) : Int(element))
            }
            return .integers(try ShapedArray(shape: array.shape, elements: integers))
        case .symbolic:
            throw NodeProblem("a Cast of a value that depends on the input is not supported")
        }
    }

    private static func arithmetic(_ op: String, _ left: GraphValue, _ right: GraphValue) throws(NodeProblem) -> GraphValue {
        switch (left, right) {
        case let (.floats(a), .floats(b)):
            return .floats(try combine(a, b) { x, y in
                switch op {
                case "Add": return x + y
                case "Sub": return x - y
                case "Mul": return x * y
                default: return x / y
                }
            })
        case let (.integers(a), .integers(b)):
            return .integers(try combine(a, b) { x, y throws(NodeProblem) in
                let (result, overflow): (Int, Bool)
                switch op {
                case "Add": (result, overflow) = x.addingReportingOverflow(y)
                case "Sub": (result, overflow) = x.subtractingReportingOverflow(y)
                case "Mul": (result, overflow) = x.multipliedReportingOverflow(by: y)
                default:
                    guard y != 0 else { throw NodeProblem("integer division by zero") }
                    (result, overflow) = x.dividedReportingOverflow(by: y)
                }
                guard !overflow else { throw NodeProblem("integer \(op) of \(x) and \(y) overflows") }
                return result
            })
        default:
            throw NodeProblem("\(op) of a float and an integer tensor")
        }
    }

    /// Elementwise with numpy broadcasting.
    private static func combine<Element>(_ a: ShapedArray<Element>, _ b: ShapedArray<Element>,
                                         _ operation: (Element, Element) throws(NodeProblem) -> Element) throws(NodeProblem) -> ShapedArray<Element> {
        let shape = try ShapedArray<Element>.broadcastShape(a.shape, b.shape)
        let left = try a.broadcast(to: shape), right = try b.broadcast(to: shape)
        var result: [Element] = []
        for (x, y) in zip(left.elements, right.elements) { result.append(try operation(x, y)) }
        return try ShapedArray(shape: shape, elements: result)
    }
}
