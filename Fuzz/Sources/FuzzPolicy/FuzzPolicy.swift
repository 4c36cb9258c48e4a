import Foundation
import GuardService

// The YAML policy (config/guard.yaml) is read at start and by `serve --check-config`; every number in it
// must be range-checked, so parsing must end in a GuardConfig or a ConfigError, never a trap.
// Model files named by the policy are not loaded here (parse only reads the text).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard let text = String(validating: UnsafeBufferPointer(start: data, count: size), as: UTF8.self) else { return 0 }
    _ = try? GuardConfig.parse(yaml: text)
    return 0
}
