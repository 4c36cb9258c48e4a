import Foundation

/// A parsed safetensors file: an 8-byte little-endian header length, a JSON header mapping tensor names
/// to `dtype`, `shape` and `data_offsets` (relative to the byte buffer after the header), an optional
/// `__metadata__` map of strings, then the raw little-endian data.
///
/// Every offset is checked against the file before any tensor is read, so a truncated or hostile file
/// yields a `ModelError`, never an out-of-bounds read.
public struct SafeTensorsFile: Sendable {
    public struct TensorInfo: Sendable, Equatable {
        public let dtype: DType
        public let shape: [Int]
        public let dataRange: Range<Int>
    }

    public let tensors: [String: TensorInfo]
    public let metadata: [String: String]
    private let data: Data
    private let dataStart: Int

    public init(contentsOf url: URL) throws(ModelError) {
        let bytes: Data
        do {
            bytes = try Data(contentsOf: url)
        } catch {
            throw .cannotRead(path: url.path, reason: "file not found or unreadable")
        }
        try self.init(bytes: bytes)
    }

    public init(bytes: Data) throws(ModelError) {
        guard bytes.count >= 8 else { throw .corruptSafetensors("file of \(bytes.count) bytes is shorter than the 8-byte header length") }
        let headerLength = bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw .corruptSafetensors("header length \(headerLength) is larger than the file (\(bytes.count) bytes)")
        }
        let headerEnd = 8 + Int(headerLength)
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: bytes.subdata(in: 8..<headerEnd))
        } catch {
            throw .corruptSafetensors("header is not valid JSON")
        }
        guard let header = json as? [String: Any] else { throw .corruptSafetensors("header is not a JSON object") }
        let bufferSize = bytes.count - headerEnd
        var tensors: [String: TensorInfo] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in header {
            if name == "__metadata__" {
                metadata = (value as? [String: String]) ?? [:]
                continue
            }
            tensors[name] = try Self.parseEntry(name: name, value, bufferSize: bufferSize)
        }
        self.tensors = tensors
        self.metadata = metadata
        self.data = bytes
        self.dataStart = headerEnd
    }

    private static func parseEntry(name: String, _ value: Any, bufferSize: Int) throws(ModelError) -> TensorInfo {
        guard let entry = value as? [String: Any],
              let dtypeName = entry["dtype"] as? String,
              let shapeList = entry["shape"] as? [Any],
              let offsetList = entry["data_offsets"] as? [Any], offsetList.count == 2
        else { throw .corruptSafetensors("entry for \(name) lacks dtype, shape or data_offsets") }
        guard let dtype = DType(rawValue: dtypeName) else { throw .unsupportedDType(tensor: name, dtype: dtypeName) }
        // Exact integers only: NSNumber.intValue would wrap 1e30 or truncate 1.5 into a "valid" size.
        let shape = shapeList.compactMap(JSONNumber.integer), offsets = offsetList.compactMap(JSONNumber.integer)
        guard shape.count == shapeList.count, offsets.count == 2 else {
            throw .corruptSafetensors("tensor \(name) has a shape or data_offsets that are not integers")
        }
        guard shape.allSatisfy({ $0 >= 0 }) else { throw .corruptSafetensors("tensor \(name) has a negative dimension") }
        let (begin, end) = (offsets[0], offsets[1])
        guard 0 <= begin, begin <= end, end <= bufferSize else {
            throw .corruptSafetensors("tensor \(name) data [\(begin), \(end)) lies outside the \(bufferSize)-byte buffer (truncated file?)")
        }
        // The size check is what keeps DType.decode inside the file, so it must not wrap: a shape whose
        // product times the byte width overflows (e.g. near 2^62) is refused, never compared modulo 2^64.
        guard let byteCount = Self.byteCount(shape: shape, dtype: dtype), byteCount == end - begin else {
            throw .corruptSafetensors("tensor \(name) has \(end - begin) bytes for shape \(shape) of \(dtypeName)")
        }
        return TensorInfo(dtype: dtype, shape: shape, dataRange: begin..<end)
    }

    /// Elements times byte width, or nil when that overflows Int.
    private static func byteCount(shape: [Int], dtype: DType) -> Int? {
        var total = dtype.byteCount
        for dimension in shape {
            let (product, overflow) = total.multipliedReportingOverflow(by: dimension)
            if overflow { return nil }
            total = product
        }
        return total
    }

    /// The tensor's elements widened to `Double`, in row-major order. Weights must be finite: a NaN or an
    /// infinity would make every prediction NaN (answered `ok`) and every bound meaningless.
    public func values(of name: String) throws(ModelError) -> [Double] {
        guard let info = tensors[name] else { throw .missingTensor(name) }
        // dataRange was checked against the file at parse time, so its length / byteCount is the count.
        let values = data.withUnsafeBytes { raw in
            info.dtype.decode(raw, offset: dataStart + info.dataRange.lowerBound, count: info.dataRange.count / info.dtype.byteCount)
        }
        if let index = values.firstIndex(where: { !$0.isFinite }) { throw .nonFiniteWeight(tensor: name, index: index) }
        return values
    }

    /// The named tensor, checked against the shape the model needs.
    public func tensor(_ name: String, shape expected: [Int]) throws(ModelError) -> [Double] {
        guard let info = tensors[name] else { throw .missingTensor(name) }
        guard info.shape == expected else { throw .tensorShape(tensor: name, expected: expected, found: info.shape) }
        return try values(of: name)
    }

    public func matrix(_ name: String, rows: Int, columns: Int) throws(ModelError) -> Matrix {
        Matrix(rows: rows, columns: columns, storage: try tensor(name, shape: [rows, columns]))
    }
}
