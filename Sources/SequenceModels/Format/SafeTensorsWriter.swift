import Foundation

/// Writes safetensors files of F32 tensors that `SafeTensorsFile` reads back: the 8-byte little-endian
/// header length, the JSON header (names in sorted order, padded with spaces to a multiple of 8 bytes as
/// the reference implementation does, so the data starts aligned), then the little-endian data.
public enum SafeTensorsWriter {
    public struct Tensor: Sendable, Equatable {
        public let name: String
        public let shape: [Int]
        /// Row-major; each must be finite as a Float.
        public let values: [Double]

        public init(name: String, shape: [Int], values: [Double]) {
            self.name = name
            self.shape = shape
            self.values = values
        }
    }

    /// The file's bytes. Refuses a shape whose element count is not the number of values, values that
    /// are not finite in F32 (the reader refuses them) and repeated names.
    public static func f32(_ tensors: [Tensor], metadata: [String: String] = [:]) throws(ModelError) -> Data {
        var header: [String: Any] = metadata.isEmpty ? [:] : ["__metadata__": metadata]
        var data = Data()
        for tensor in tensors.sorted(by: { $0.name < $1.name }) {
            guard header[tensor.name] == nil, tensor.name != "__metadata__" else {
                throw .corruptSafetensors("tensor name \(tensor.name) is used twice")
            }
            var count = 1
            for dimension in tensor.shape {
                let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
                guard dimension >= 0, !overflow else { throw .tensorShape(tensor: tensor.name, expected: [tensor.values.count], found: tensor.shape) }
                count = product
            }
            guard count == tensor.values.count else {
                throw .tensorShape(tensor: tensor.name, expected: [tensor.values.count], found: tensor.shape)
            }
            let begin = data.count
            for (index, value) in tensor.values.enumerated() {
                let single = Float(value)
                guard single.isFinite else { throw .nonFiniteWeight(tensor: tensor.name, index: index) }
                withUnsafeBytes(of: single.bitPattern.littleEndian) { data.append(contentsOf: $0) }
            }
            header[tensor.name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [begin, data.count]]
        }
        var json: Data
        do {
            json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        } catch {
            throw .corruptSafetensors("header cannot be encoded: \(error)")
        }
        json.append(contentsOf: [UInt8](repeating: 0x20, count: (8 - json.count % 8) % 8))
        var file = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { file.append(contentsOf: $0) }
        file.append(json)
        file.append(data)
        return file
    }
}
