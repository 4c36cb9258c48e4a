import Foundation
import GuardService

// The request decoder runs on the I/O thread for every message a client sends, so no input may crash it.
// Input layout (so the seeds stay readable): byte 0 picks the frame count (byte % 3 + 1: three frames
// cover the "too many frames" path); the rest is split at the first one or two newlines ("header\npayload").
// Protocol headers are one-line JSON; a payload may contain newlines and then just ends up cut differently.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let frameCount = Int(data[0] % 3) + 1
    var rest = Data(bytes: data + 1, count: size - 1)
    var frames: [Data] = []
    while frames.count < frameCount - 1, let newline = rest.firstIndex(of: 0x0A) {
        frames.append(rest[rest.startIndex..<newline])
        rest = rest[(newline + 1)...]
    }
    frames.append(rest)
    // Copies give every frame startIndex 0, as libzmq messages have.
    _ = RequestDecoder(limits: GuardConfig.Limits()).decode(frames.map { Data($0) })
    return 0
}
