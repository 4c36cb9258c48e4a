import Foundation
import ONNXImport

// `rnnguard import-onnx` reads files from outside (exports from other tools): protobuf decoding, tensor
// decoding and the graph evaluation must all end in an ONNXImportError, never a trap.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    _ = try? ONNXImporter.read(bytes: Data(bytes: data, count: size), source: "fuzz.onnx")
    return 0
}
