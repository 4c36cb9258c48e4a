import Foundation
import SequenceModels

// A model file is untrusted input (a crafted one once wrote out of bounds): parse it, then decode every
// tensor, since the offsets and sizes are only exercised when values are read.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let file = try? SafeTensorsFile(bytes: Data(bytes: data, count: size)) else { return 0 }
    for name in file.tensors.keys.sorted() { _ = try? file.values(of: name) }
    return 0
}
