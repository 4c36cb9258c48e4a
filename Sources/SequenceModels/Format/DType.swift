/// The safetensors element types rnnguard reads, each widened to `Double` on load.
public enum DType: String, Sendable {
    case f64 = "F64"
    case f32 = "F32"
    case f16 = "F16"
    case bf16 = "BF16"

    public var byteCount: Int {
        switch self {
        case .f64: return 8
        case .f32: return 4
        case .f16, .bf16: return 2
        }
    }

    /// Decodes `count` little-endian elements starting at `offset` (no alignment assumed: the
    /// safetensors header length makes data offsets arbitrary).
    func decode(_ bytes: UnsafeRawBufferPointer, offset: Int, count: Int) -> [Double] {
        var values = [Double](repeating: 0, count: count)
        for i in 0..<count {
            let at = offset + i * byteCount
            switch self {
            case .f64:
                values[i] = Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self)))
            case .f32:
                values[i] = Double(Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self))))
            case .f16:
                values[i] = Self.halfToDouble(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt16.self)))
            case .bf16:
                // bfloat16 is the top half of a float32.
                let bits = UInt32(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt16.self))) << 16
                values[i] = Double(Float(bitPattern: bits))
            }
        }
        return values
    }

    /// IEEE 754 binary16 to double, done by hand because `Float16` is not on every platform Swift runs on.
    static func halfToDouble(_ bits: UInt16) -> Double {
        let sign: Double = (bits & 0x8000) != 0 ? -1 : 1
        let exponent = Int((bits >> 10) & 0x1F)
        let fraction = Double(bits & 0x3FF)
        switch exponent {
        case 0: return sign * fraction * 0x1p-24                      // zero or subnormal
        case 31: return fraction == 0 ? sign * .infinity : .nan
        default: return sign * (1 + fraction / 1024) * Double(sign: .plus, exponent: exponent - 15, significand: 1)
        }
    }
}
