import Foundation
import GuardService
import POPQORN
import Testing

@Suite struct ConfigTests {
    private let valid = """
        listen: tcp://127.0.0.1:5555
        metrics: 127.0.0.1:9464
        workers: 3
        limits: {max_message_bytes: 2048, max_sequence_length: 100, queue_depth: 8}
        audit_log: logs/audit.jsonl
        models:
          - name: a
            path: examples/models/digits-lstm
            certify: {norm: inf, frames: "2:5", mode: radius, deadline_ms: 40, allow_overrides: [frames],
                      ladder: ["zonotope:128+mccormick", "full+optimizer"]}
            decide: {accept_at_or_above: 0.05, refuse_below: 0.01, on_deadline: refuse, climb_margin: 2.5}
          - name: b
            path: examples/models/speech-gru
            decide: {accept_at_or_above: 0.02, refuse_below: 0.02}
        """

    @Test func parsesEveryKey() throws {
        let config = try GuardConfig.parse(yaml: valid)
        #expect(config.listen == ["tcp://127.0.0.1:5555"])
        #expect(config.metrics == "127.0.0.1:9464")
        #expect(config.workers == 3)
        #expect(config.limits.maxMessageBytes == 2048 && config.limits.maxSequenceLength == 100 && config.limits.queueDepth == 8)
        #expect(config.auditLog == "logs/audit.jsonl")
        let a = config.models[0]
        #expect(a.certify.norm == .linf && a.certify.frames == .window(2, 5) && a.certify.mode == .radius)
        #expect(a.certify.deadlineMilliseconds == 40 && a.certify.allowOverrides == [.frames])
        #expect(a.decide.acceptAtOrAbove == 0.05 && a.decide.refuseBelow == 0.01 && a.decide.onDeadline == .refuse)
        #expect(a.decide.climbMargin == 2.5)
        #expect(a.certify.ladder == [CertifierRung(method: .zonotope(128), fittedPlanes: false), CertifierRung(method: .full, optimizer: true)])
        // Defaults.
        let b = config.models[1]
        #expect(b.certify.norm == .l2 && b.certify.frames == .all && b.certify.mode == .threshold)
        #expect(b.certify.deadlineMilliseconds == nil && b.decide.onDeadline == .flag && b.decide.climbMargin == nil)
        #expect(b.certify.ladder == CertifierRung.standardLadder)
    }

    @Test func zeroWorkersMeansOnePerCore() throws {
        let config = try GuardConfig.parse(yaml: valid.replacingOccurrences(of: "workers: 3", with: "workers: 0"))
        #expect(config.workers == ProcessInfo.processInfo.activeProcessorCount)
    }

    @Test func theBundledConfigIsValid() throws {
        let config = try GuardConfig.load(from: Fixtures.root.appendingPathComponent("config/guard.yaml").path)
        #expect(config.listen.first?.hasPrefix("tcp://") == true)
        #expect(Set(config.models.map(\.name)).isSuperset(of: [
            "digits-lstm", "news-lstm", "speech-gru", "speech-bigru", "news-bilstm", "speech-bigru-onnx", "news-bilstm-onnx"]))
        // Every model folder it names loads (bidirectional, pooled and MLP-headed ones included).
        for (index, policy) in config.models.enumerated() {
            #expect(throws: Never.self) { try ServedModel.load(policy, index: index) }
        }
    }

    @Test(arguments: [
        ("refuse_below: 0.01", "refuse_below: 0.5", "models[0].decide.refuse_below must be <= accept_at_or_above"),
        ("accept_at_or_above: 0.02, refuse_below: 0.02", "accept_at_or_above: 0.02, refuse_below: 0.03",
         "models[1].decide.refuse_below must be <= accept_at_or_above"),
        ("norm: inf", "norm: 3", "models[0].certify.norm must be one of 1, 2, inf, not \"3\""),
        ("frames: \"2:5\"", "frames: \"5:2\"", "models[0].certify.frames must be all, a step T or a window A:B (0-based, A <= B), not \"5:2\""),
        ("mode: radius", "mode: fast", "models[0].certify.mode must be threshold or radius, not \"fast\""),
        ("on_deadline: refuse", "on_deadline: ignore", "models[0].decide.on_deadline must be flag or refuse, not \"ignore\""),
        ("deadline_ms: 40", "deadline_ms: -1", "models[0].certify.deadline_ms must be > 0 and <= 86400000 (one day), not \"-1\""),
        // Numbers that used to pass --check-config and then crash serve (issue 10): range-checked now.
        ("deadline_ms: 40", "deadline_ms: 1e300", "models[0].certify.deadline_ms must be > 0 and <= 86400000 (one day), not \"1e300\""),
        ("max_message_bytes: 2048", "max_message_bytes: 9223372036854775807",
         "limits.max_message_bytes must be > 0 and <= 1073741824, not 9223372036854775807"),
        ("max_sequence_length: 100", "max_sequence_length: 4611686018427387904",
         "limits.max_sequence_length must be > 0 and <= 1048576, not 4611686018427387904"),
        ("workers: 3", "workers: 1000000", "workers must be 0 (one per core) to 1024, not 1000000"),
        ("accept_at_or_above: 0.05", "accept_at_or_above: 1e300", "models[0].decide.accept_at_or_above must be >= 0 and <= 1000, not \"1e300\""),
        ("refuse_below: 0.01,", "refuse_below: -0.5,", "models[0].decide.refuse_below must be >= 0 and <= 1000, not \"-0.5\""),
        ("allow_overrides: [frames]", "allow_overrides: [norm]", "models[0].certify.allow_overrides[0] must be one of mode, frames, target, not \"norm\""),
        ("queue_depth: 8", "queue_depth: 0", "limits.queue_depth must be > 0 and <= 1048576, not 0"),
        ("workers: 3", "workers: many", "workers must be an integer, not \"many\""),
        ("workers: 3", "wokers: 3", "wokers is not a known key (expected one of: listen, connect, metrics, workers, limits, audit_log, audit_key_file, curve, models)"),
        ("listen: tcp://127.0.0.1:5555", "listen: http://127.0.0.1:5555", "listen must be a tcp://, ipc:// or inproc:// endpoint, not \"http://127.0.0.1:5555\""),
        ("metrics: 127.0.0.1:9464", "metrics: nowhere", "metrics must be host:port (e.g. 127.0.0.1:9464), not \"nowhere\""),
        ("  - name: b", "  - name: a", "models[1].name \"a\" is used by an earlier model"),
        ("refuse_below: 0.01,", "refuse_bellow: 0.01,", "models[0].decide.refuse_bellow is not a known key (expected one of: accept_at_or_above, refuse_below, on_deadline, climb_margin)"),
        ("climb_margin: 2.5", "climb_margin: -1", "models[0].decide.climb_margin must be >= 0 and <= 1000000, not \"-1\""),
        ("climb_margin: 2.5", "climb_margin: 1e300", "models[0].decide.climb_margin must be >= 0 and <= 1000000, not \"1e300\""),
        ("climb_margin: 2.5", "climb_margin: .nan", "models[0].decide.climb_margin must be a number, not \".nan\""),
        ("\"zonotope:128+mccormick\", ", "\"zonotope:128+mcormick\", ",
         "models[0].certify.ladder: rung 0 \"zonotope:128+mcormick\" is not a bound method (interval, window:K, forward, "
            + "zonotope:K, window:K+zonotope:K or full; K up to 4096 symbols) optionally followed by +mccormick and then +optimizer"),
        ("[\"zonotope:128+mccormick\", \"full+optimizer\"]", "[]", "models[0].certify.ladder: a ladder needs at least one rung"),
        ("\"zonotope:128+mccormick\", \"full+optimizer\"", "\"full+optimizer\", \"full+optimizer\"",
         "models[0].certify.ladder: rung 1 \"full+optimizer\" repeats an earlier rung"),
        ("[\"zonotope:128+mccormick\", \"full+optimizer\"]", "{full: 1}", "models[0].certify.ladder must be a list"),
        ("\"zonotope:128+mccormick\", ", "\"zonotope:9999\", ",
         "models[0].certify.ladder: rung 0 \"zonotope:9999\" is not a bound method (interval, window:K, forward, "
            + "zonotope:K, window:K+zonotope:K or full; K up to 4096 symbols) optionally followed by +mccormick and then +optimizer"),
    ])
    func invalidValuesGetExactMessages(original: String, replacement: String, message: String) throws {
        let yaml = valid.replacingOccurrences(of: original, with: replacement)
        #expect(yaml != valid, "the test's original text must occur in the config")
        #expect(throws: ConfigError(message)) { try GuardConfig.parse(yaml: yaml) }
    }

    /// A programmatic config skips validation; the frame cap it implies must saturate, not trap.
    @Test func frameCapSaturatesInsteadOfOverflowing() {
        #expect(GuardConfig.Limits(maxMessageBytes: 1000).maxFrameBytes == 1000 + 65_536)
        #expect(GuardConfig.Limits(maxMessageBytes: 1 << 20).maxFrameBytes == 64 << 20)
        #expect(GuardConfig.Limits(maxMessageBytes: 1 << 30).maxFrameBytes == (1 << 30) + 65_536)
        #expect(GuardConfig.Limits(maxMessageBytes: .max).maxFrameBytes == .max)
    }

    @Test func missingSectionsAreNamed() {
        #expect(throws: ConfigError("models is required: list at least one model")) {
            try GuardConfig.parse(yaml: "listen: tcp://127.0.0.1:5555")
        }
        #expect(throws: ConfigError("listen is required (e.g. tcp://127.0.0.1:5555), unless connect names a proxy backend")) {
            try GuardConfig.parse(yaml: "models: []")
        }
        #expect(throws: ConfigError("models[0].decide is required (accept_at_or_above, refuse_below)")) {
            try GuardConfig.parse(yaml: "listen: tcp://127.0.0.1:1\nmodels:\n  - {name: a, path: p}")
        }
    }

    @Test func curveKeysAreChecked() throws {
        let base = "listen: tcp://127.0.0.1:1\nmodels: [{name: a, path: p, decide: {accept_at_or_above: 1, refuse_below: 0}}]\n"
        #expect(throws: ConfigError("curve.secret_key must be a 40-character Z85 key (make one with `rnnguard keygen`)")) {
            try GuardConfig.parse(yaml: base + "curve: {secret_key: short, allowed_clients: [x]}")
        }
        let key = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
        #expect(throws: ConfigError("curve.allowed_clients[0] must be a 40-character Z85 public key")) {
            try GuardConfig.parse(yaml: base + "curve: {secret_key: \"\(key)\", allowed_clients: [nope]}")
        }
        let config = try GuardConfig.parse(yaml: base + "curve: {secret_key: \"\(key)\", allowed_clients: [\"\(key)\"]}")
        #expect(config.curve?.allowedClients == [key] && config.curve?.adminClients == [])
        // Admin keys (issue 10, the `reload` op): valid keys that the allow list also admits.
        let other = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"
        #expect(throws: ConfigError("curve.admin_clients[0] must be a 40-character Z85 public key")) {
            try GuardConfig.parse(yaml: base + "curve: {secret_key: \"\(key)\", allowed_clients: [\"\(key)\"], admin_clients: [nope]}")
        }
        #expect(throws: ConfigError("curve.admin_clients[0] must also be listed in curve.allowed_clients")) {
            try GuardConfig.parse(yaml: base + "curve: {secret_key: \"\(key)\", allowed_clients: [\"\(key)\"], admin_clients: [\"\(other)\"]}")
        }
        let admins = try GuardConfig.parse(yaml: base + "curve: {secret_key: \"\(key)\", allowed_clients: [\"\(key)\", \"\(other)\"], admin_clients: [\"\(other)\"]}")
        #expect(admins.curve?.adminClients == [other])
    }

    /// A sidecar behind `rnnguard proxy`: `connect` alone is enough, a wildcard host is no address to
    /// connect to, and CURVE's allow list cannot hold for requests that come through the proxy.
    @Test func connectNamesProxyBackends() throws {
        let models = "models: [{name: a, path: p, decide: {accept_at_or_above: 1, refuse_below: 0}}]\n"
        let config = try GuardConfig.parse(yaml: "connect: [tcp://proxy-a:5556, tcp://proxy-b:5556]\n" + models)
        #expect(config.listen.isEmpty && config.connect == ["tcp://proxy-a:5556", "tcp://proxy-b:5556"])
        #expect(throws: ConfigError("connect must name the proxy's host (e.g. tcp://proxy:5556), not the wildcard in \"tcp://*:5556\"")) {
            try GuardConfig.parse(yaml: "connect: tcp://*:5556\n" + models)
        }
        #expect(throws: ConfigError("connect[1] must be a tcp://, ipc:// or inproc:// endpoint, not \"proxy:5556\"")) {
            try GuardConfig.parse(yaml: "connect: [tcp://proxy:5556, proxy:5556]\n" + models)
        }
        let key = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
        #expect(throws: ConfigError("connect cannot be combined with curve: requests from a proxy carry no CurveZMQ client key")) {
            try GuardConfig.parse(yaml: "connect: tcp://proxy:5556\ncurve: {secret_key: \"\(key)\", allowed_clients: [\"\(key)\"]}\n" + models)
        }
    }
}
