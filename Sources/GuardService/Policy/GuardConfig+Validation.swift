import Foundation
import POPQORN
import ZeroMQ

/// Building a ``GuardConfig`` from YAML, checking every value; each failure names its key path.
extension GuardConfig {
    init(validating root: ConfigNode) throws(ConfigError) {
        let keys = try root.mapping(allowed: ["listen", "connect", "metrics", "workers", "limits", "audit_log", "audit_key_file",
                                              "curve", "models"])

        let listen = try keys["listen"].map { node throws(ConfigError) in try Self.endpoints(node, connecting: false) } ?? []
        let connect = try keys["connect"].map { node throws(ConfigError) in try Self.endpoints(node, connecting: true) } ?? []
        guard !listen.isEmpty || !connect.isEmpty else {
            throw ConfigError("listen is required (e.g. tcp://127.0.0.1:5555), unless connect names a proxy backend")
        }

        var metrics: String?
        if let node = keys["metrics"], !node.isNull {
            let value = try node.string()
            guard MetricsAddress(value) != nil else {
                throw ConfigError("metrics must be host:port (e.g. 127.0.0.1:9464), not \"\(value)\"")
            }
            metrics = value
        }

        var workers = 0
        if let node = keys["workers"], !node.isNull {
            workers = try node.int()
            // Each worker is a thread; past this a typo, not a deployment.
            guard (0...Self.maxWorkers).contains(workers) else {
                throw ConfigError("workers must be 0 (one per core) to \(Self.maxWorkers), not \(workers)")
            }
        }

        var limits = Limits()
        if let node = keys["limits"] { limits = try Self.limits(node) }

        var auditLog: String?
        if let node = keys["audit_log"], !node.isNull { auditLog = try node.string() }
        var auditKeyFile: String?
        if let node = keys["audit_key_file"], !node.isNull { auditKeyFile = try node.string() }

        var curve: CurveSettings?
        if let node = keys["curve"], !node.isNull { curve = try Self.curve(node) }
        try Self.checkProxyHop(connect: connect, curve: curve)

        guard let modelsNode = keys["models"] else { throw ConfigError("models is required: list at least one model") }
        var models: [ModelPolicy] = []
        for node in try modelsNode.list() {
            let policy = try Self.model(node)
            if models.contains(where: { $0.name == policy.name }) {
                throw ConfigError("\(node.path).name \"\(policy.name)\" is used by an earlier model")
            }
            models.append(policy)
        }
        guard !models.isEmpty else { throw ConfigError("models must list at least one model") }

        self.init(listen: listen, connect: connect, metrics: metrics, workers: workers, limits: limits, auditLog: auditLog,
                  curve: curve, models: models, auditKeyFile: auditKeyFile)
    }

    /// `listen` or `connect`: one endpoint or a list of them, none empty.
    private static func endpoints(_ node: ConfigNode, connecting: Bool) throws(ConfigError) -> [String] {
        let key = connecting ? "connect" : "listen"
        let endpoints = try node.strings()
        guard !endpoints.isEmpty else { throw ConfigError("\(key) must name at least one endpoint") }
        for (index, endpoint) in endpoints.enumerated() {
            try checkEndpoint(endpoint, named: node.node.sequence == nil ? key : "\(key)[\(index)]", connecting: connecting)
        }
        return endpoints
    }

    /// Throws unless `endpoint` is a ZeroMQ endpoint rnnguard can bind (`connecting` false) or connect to:
    /// tcp://, ipc:// or inproc://, and, to connect, with a host rather than the wildcard `*`. `name` says
    /// where it came from (`listen[0]`, `--connect`). libzmq checks the rest when it binds or connects.
    public static func checkEndpoint(_ endpoint: String, named name: String, connecting: Bool) throws(ConfigError) {
        guard ["tcp://", "ipc://", "inproc://"].contains(where: endpoint.hasPrefix) else {
            throw ConfigError("\(name) must be a tcp://, ipc:// or inproc:// endpoint, not \"\(endpoint)\"")
        }
        if connecting && endpoint.hasPrefix("tcp://") && endpoint.dropFirst(6).hasPrefix("*") {
            throw ConfigError("\(name) must name the proxy's host (e.g. tcp://proxy:5556), not the wildcard in \"\(endpoint)\"")
        }
    }

    /// Requests that come through a proxy arrive over a hop without CurveZMQ, so a sidecar with a client
    /// allow list must not take them: the list would be bypassed.
    public static func checkProxyHop(connect: [String], curve: CurveSettings?) throws(ConfigError) {
        if !connect.isEmpty && curve != nil {
            throw ConfigError("connect cannot be combined with curve: requests from a proxy carry no CurveZMQ client key")
        }
    }

    private static func limits(_ node: ConfigNode) throws(ConfigError) -> Limits {
        let keys = try node.mapping(allowed: ["max_message_bytes", "max_sequence_length", "queue_depth"])
        var limits = Limits()
        if let value = keys["max_message_bytes"] { limits.maxMessageBytes = try positive(value, max: Limits.maxMessageBytesCap) }
        if let value = keys["max_sequence_length"] { limits.maxSequenceLength = try positive(value, max: Limits.maxCountCap) }
        if let value = keys["queue_depth"] { limits.queueDepth = try positive(value, max: Limits.maxCountCap) }
        return limits
    }

    /// Most worker threads a policy may ask for.
    static let maxWorkers = 1024
    /// Largest decision threshold (a perturbation radius): far beyond any input scale, and small enough
    /// that the certifier's interval arithmetic stays finite.
    static let maxThreshold: Double = 1000

    /// An integer in 1...max: serve combines these limits (doubles the message size, sizes buffers), so
    /// --check-config refuses what serve could not run.
    private static func positive(_ node: ConfigNode, max: Int) throws(ConfigError) -> Int {
        let value = try node.int()
        guard value > 0, value <= max else { throw ConfigError("\(node.path) must be > 0 and <= \(max), not \(value)") }
        return value
    }

    /// A number in `range`, said in the message as `described`.
    private static func number(_ node: ConfigNode, in range: ClosedRange<Double>, _ described: String) throws(ConfigError) -> Double {
        let value = try node.double()
        guard range.contains(value) else { throw ConfigError("\(node.path) must be \(described), not \(node.shown)") }
        return value
    }

    private static func curve(_ node: ConfigNode) throws(ConfigError) -> CurveSettings {
        let keys = try node.mapping(allowed: ["secret_key", "secret_key_file", "allowed_clients", "admin_clients"])
        let secretKey: String
        switch (keys["secret_key"], keys["secret_key_file"]) {
        case (let inline?, nil):
            secretKey = try inline.string()
        case (nil, let file?):
            let path = try file.string()
            do {
                secretKey = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            } catch {
                throw ConfigError("\(file.path): cannot read \(path)")
            }
        default:
            throw ConfigError("\(node.path) needs exactly one of secret_key, secret_key_file")
        }
        guard CurveKeyPair.isValidKey(secretKey) else {
            throw ConfigError("\(node.path).secret_key must be a 40-character Z85 key (make one with `rnnguard keygen`)")
        }
        guard let clientsNode = keys["allowed_clients"] else {
            throw ConfigError("\(node.path).allowed_clients is required: list the public keys of the clients to serve")
        }
        var clients: Set<String> = []
        for item in try clientsNode.list() {
            let key = try item.string()
            guard CurveKeyPair.isValidKey(key) else { throw ConfigError("\(item.path) must be a 40-character Z85 public key") }
            clients.insert(key)
        }
        guard !clients.isEmpty else { throw ConfigError("\(clientsNode.path) must list at least one client key") }
        var admins: Set<String> = []
        if let adminsNode = keys["admin_clients"], !adminsNode.isNull {
            for item in try adminsNode.list() {
                let key = try item.string()
                guard CurveKeyPair.isValidKey(key) else { throw ConfigError("\(item.path) must be a 40-character Z85 public key") }
                // An admin must get through the ZAP allow list first; say so rather than serve it nothing.
                guard clients.contains(key) else { throw ConfigError("\(item.path) must also be listed in \(clientsNode.path)") }
                admins.insert(key)
            }
        }
        return CurveSettings(secretKey: secretKey, allowedClients: clients, adminClients: admins)
    }

    private static func model(_ node: ConfigNode) throws(ConfigError) -> ModelPolicy {
        let keys = try node.mapping(allowed: ["name", "path", "certify", "decide", "expose"])
        guard let nameNode = keys["name"] else { throw ConfigError("\(node.path).name is required") }
        let name = try nameNode.string()
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "._-"))
        guard !name.isEmpty, name.unicodeScalars.allSatisfy(allowed.contains) else {
            throw ConfigError("\(nameNode.path) must be non-empty letters, digits, '.', '_' or '-', not \"\(name)\"")
        }
        guard let pathNode = keys["path"] else { throw ConfigError("\(node.path).path is required") }
        let path = try pathNode.string()
        guard !path.isEmpty else { throw ConfigError("\(pathNode.path) must not be empty") }

        let certify = try keys["certify"].map { node throws(ConfigError) in try certifyPolicy(node) } ?? CertifyPolicy()
        guard let decideNode = keys["decide"] else {
            throw ConfigError("\(node.path).decide is required (accept_at_or_above, refuse_below)")
        }
        var expose = Exposure.full
        if let value = keys["expose"] {
            guard let exposure = Exposure(rawValue: try value.string()) else {
                throw ConfigError("\(value.path) must be decision, radius or full, not \(value.shown)")
            }
            expose = exposure
        }
        return ModelPolicy(name: name, path: path, certify: certify, decide: try decisionPolicy(decideNode), expose: expose)
    }

    private static func certifyPolicy(_ node: ConfigNode) throws(ConfigError) -> CertifyPolicy {
        let keys = try node.mapping(allowed: ["norm", "frames", "mode", "deadline_ms", "allow_overrides", "ladder"])
        var policy = CertifyPolicy()
        if let value = keys["norm"] {
            guard let norm = Norm(argument: try value.string()) else {
                throw ConfigError("\(value.path) must be one of 1, 2, inf, not \(value.shown)")
            }
            policy.norm = norm
        }
        if let value = keys["frames"] {
            guard let frames = FrameSelection(argument: try value.string()) else {
                throw ConfigError("\(value.path) must be all, a step T or a window A:B (0-based, A <= B), not \(value.shown)")
            }
            policy.frames = frames
        }
        if let value = keys["mode"] {
            guard let mode = CertifyMode(rawValue: try value.string()) else {
                throw ConfigError("\(value.path) must be threshold or radius, not \(value.shown)")
            }
            policy.mode = mode
        }
        if let value = keys["deadline_ms"], !value.isNull {
            // The handler turns it into Int64 microseconds: refuse here what would overflow there.
            let deadline = try value.double(), maximum = Limits.maxDeadlineMilliseconds
            guard deadline > 0, deadline <= maximum else {
                throw ConfigError("\(value.path) must be > 0 and <= \(Int(maximum)) (one day), not \(value.shown)")
            }
            policy.deadlineMilliseconds = deadline
        }
        if let value = keys["allow_overrides"] {
            for item in try value.list() {
                guard let key = OverrideKey(rawValue: try item.string()) else {
                    throw ConfigError("\(item.path) must be one of mode, frames, target, not \(item.shown)")
                }
                policy.allowOverrides.insert(key)
            }
        }
        if let value = keys["ladder"] {
            let names = try value.strings()
            do {
                policy.ladder = try CertifierRung.ladder(names)
            } catch {
                throw ConfigError("\(value.path): \(error)")
            }
        }
        return policy
    }

    private static func decisionPolicy(_ node: ConfigNode) throws(ConfigError) -> DecisionPolicy {
        let keys = try node.mapping(allowed: ["accept_at_or_above", "refuse_below", "on_deadline", "climb_margin"])
        guard let acceptNode = keys["accept_at_or_above"] else { throw ConfigError("\(node.path).accept_at_or_above is required") }
        guard let refuseNode = keys["refuse_below"] else { throw ConfigError("\(node.path).refuse_below is required") }
        let range = 0...maxThreshold, described = ">= 0 and <= \(Int(maxThreshold))"
        let accept = try number(acceptNode, in: range, described)
        let refuse = try number(refuseNode, in: range, described)
        guard refuse <= accept else { throw ConfigError("\(node.path).refuse_below must be <= accept_at_or_above") }
        var onDeadline = DeadlineAction.flag
        if let value = keys["on_deadline"] {
            guard let action = DeadlineAction(rawValue: try value.string()) else {
                throw ConfigError("\(value.path) must be flag or refuse, not \(value.shown)")
            }
            onDeadline = action
        }
        var climbMargin: Double?
        if let value = keys["climb_margin"], !value.isNull {
            climbMargin = try number(value, in: 0...Limits.maxClimbMargin, ">= 0 and <= \(Int(Limits.maxClimbMargin))")
        }
        return DecisionPolicy(acceptAtOrAbove: accept, refuseBelow: refuse, onDeadline: onDeadline, climbMargin: climbMargin)
    }
}
