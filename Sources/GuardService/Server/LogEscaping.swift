import Logging

extension Logger.MetadataValue {
    /// A client-supplied string (an id, a model name, a message quoting them) made safe to log: control
    /// characters and backslashes are escaped, so a client cannot end a log line early and forge the next
    /// one (`"id": "x\n2026-01-01 critical ..."`), whatever handler formats the line.
    static func escaped(_ value: some CustomStringConvertible) -> Logger.MetadataValue {
        .string(escape(value.description))
    }

    static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            // C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
            case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar == "\u{2028}" || scalar == "\u{2029}":
                result += "\\u{\(String(scalar.value, radix: 16))}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
