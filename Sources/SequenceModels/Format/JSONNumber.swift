import Foundation

/// Exact integers from `JSONSerialization` output, shared by every reader of untrusted JSON (safetensors
/// headers here, request headers in GuardService).
///
/// `NSNumber.intValue` is not a check: it truncates 1.5, wraps or saturates 1e30, and reads `true` as 1.
/// The bound 9e15 keeps every accepted value exactly representable as a Double (below 2^53) and far from
/// Int overflow, so later arithmetic on it (products, offsets) can be overflow-checked meaningfully.
public enum JSONNumber {
    /// An exact JSON integer with magnitude below 9e15 (not a bool, not 1.5, not 1e30), else nil.
    public static func integer(_ value: Any) -> Int? {
        guard !isBool(value), let number = value as? NSNumber else { return nil }
        let double = number.doubleValue
        guard double.rounded() == double, abs(double) < 9.0e15 else { return nil }
        return number.intValue
    }

    /// JSON `true`/`false`: Foundation hands them over as NSNumbers that also cast to Int, and only
    /// their Objective-C type ("c", char) tells them apart.
    public static func isBool(_ value: Any) -> Bool {
        (value as? NSNumber).map { String(cString: $0.objCType) == "c" } ?? false
    }
}
