import Yams

/// A YAML node together with its key path in the configuration, for messages that say where a problem is.
///
/// The configuration is read node by node rather than through `Decodable` so that every message names
/// the exact key (`models[0].certify.norm`) and unknown keys (typos) are errors, not silently ignored.
struct ConfigNode {
    let node: Node
    let path: String

    /// The node's mapping entries, after rejecting keys outside `allowed`.
    func mapping(allowed: [String]) throws(ConfigError) -> [String: ConfigNode] {
        guard let mapping = node.mapping else { throw ConfigError("\(path) must be a mapping") }
        var entries: [String: ConfigNode] = [:]
        for (key, value) in mapping {
            let name = key.string ?? ""
            let child = ConfigNode(node: value, path: path.isEmpty ? name : "\(path).\(name)")
            guard allowed.contains(name) else {
                throw ConfigError("\(child.path) is not a known key (expected one of: \(allowed.joined(separator: ", ")))")
            }
            entries[name] = child
        }
        return entries
    }

    /// Whether the node is YAML null (`~`, `null` or empty), which counts as "not given".
    var isNull: Bool { node.null != nil }

    func string() throws(ConfigError) -> String {
        guard node.scalar != nil, let value = node.string else { throw ConfigError("\(path) must be a string") }
        return value
    }

    func int() throws(ConfigError) -> Int {
        guard let value = node.int else { throw ConfigError("\(path) must be an integer, not \(shown)") }
        return value
    }

    func double() throws(ConfigError) -> Double {
        guard let value = node.float, value.isFinite else { throw ConfigError("\(path) must be a number, not \(shown)") }
        return value
    }

    func list() throws(ConfigError) -> [ConfigNode] {
        guard let sequence = node.sequence else { throw ConfigError("\(path) must be a list") }
        return sequence.enumerated().map { ConfigNode(node: $1, path: "\(path)[\($0)]") }
    }

    /// A list of strings, where a single string also counts as a list of one.
    func strings() throws(ConfigError) -> [String] {
        if node.scalar != nil { return [try string()] }
        var values: [String] = []
        for item in try list() { values.append(try item.string()) }
        return values
    }

    /// The node's text as written, for messages.
    var shown: String {
        if let scalar = node.scalar { return "\"\(scalar.string)\"" }
        return node.mapping != nil ? "a mapping" : "a list"
    }
}
