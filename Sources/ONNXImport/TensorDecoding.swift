import Foundation

/// `TensorProto` to a constant `GraphValue`. Every number comes from the file, so each is checked: the
/// dims (non-negative, an overflow-checked count below `ShapedArray.maxElements`), the byte length of
/// `raw_data` against that count, the data type; external or segmented data is refused outright.
enum TensorDecoding {
    static func value(of tensor: Onnx_TensorProto) throws(NodeProblem) -> GraphValue {
        guard tensor.dataLocation != .external, tensor.externalData.isEmpty else {
            throw NodeProblem("its data is in an external file; export with external_data=False to keep one self-contained file")
        }
        guard !tensor.hasSegment else { throw NodeProblem("segmented tensors are not supported") }
        var shape: [Int] = []
        for dimension in tensor.dims {
            guard dimension >= 0, dimension <= Int64(ShapedArray<Int>.maxElements) else {
                throw NodeProblem("dimension \(dimension) is out of range")
            }
            shape.append(Int(dimension))
        }
        let count = try ShapedArray<Int>.count(of: shape)
        guard let type = Onnx_TensorProto.DataType(rawValue: Int(tensor.dataType)) else {
            throw NodeProblem("unknown data type \(tensor.dataType)")
        }
        switch type {
        case .float:
            let values = tensor.hasRawData ? try raw(tensor.rawData, count: count, as: UInt32.self).map { Double(Float(bitPattern: $0)) }
                                           : tensor.floatData.map(Double.init)
            return .floats(try ShapedArray(shape: shape, elements: values))
        case .double:
            let values = tensor.hasRawData ? try raw(tensor.rawData, count: count, as: UInt64.self).map(Double.init(bitPattern:))
                                           : tensor.doubleData
            return .floats(try ShapedArray(shape: shape, elements: values))
        case .int64:
            let values = tensor.hasRawData ? try raw(tensor.rawData, count: count, as: UInt64.self).map { Int(Int64(bitPattern: $0)) }
                                           : tensor.int64Data.map { Int($0) }
            return .integers(try ShapedArray(shape: shape, elements: values))
        case .int32:
            let values = tensor.hasRawData ? try raw(tensor.rawData, count: count, as: UInt32.self).map { Int(Int32(bitPattern: $0)) }
                                           : tensor.int32Data.map { Int($0) }
            return .integers(try ShapedArray(shape: shape, elements: values))
        case .bool:
            // ONNX stores booleans one per byte in raw_data, or widened in int32_data.
            let values = tensor.hasRawData ? try raw(tensor.rawData, count: count, as: UInt8.self).map { $0 == 0 ? 0 : 1 }
                                           : tensor.int32Data.map { $0 == 0 ? 0 : 1 }
            return .integers(try ShapedArray(shape: shape, elements: values))
        default:
            throw NodeProblem("data type \(type) is not supported (float, double, int64, int32 and bool are)")
        }
    }

    /// `count` little-endian words of `Word`'s width from `data`, which must hold exactly that many bytes.
    private static func raw<Word: FixedWidthInteger>(_ data: Data, count: Int, as: Word.Type) throws(NodeProblem) -> [Word] {
        let width = MemoryLayout<Word>.size
        // count <= maxElements, so count * width cannot overflow.
        guard data.count == count * width else {
            throw NodeProblem("raw_data holds \(data.count) bytes, its shape needs \(count * width)")
        }
        return data.withUnsafeBytes { bytes in
            (0..<count).map { Word(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * width, as: Word.self)) }
        }
    }
}
