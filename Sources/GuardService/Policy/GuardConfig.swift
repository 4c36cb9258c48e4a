import Foundation
import Yams

/// The validated sidecar configuration (`config/guard.yaml`). See `config/guard.yaml` for every key.
///
/// Relative paths (model folders, the audit log, key files) resolve against the current working
/// directory, like any command-line path: run `rnnguard serve` from the directory the config assumes
/// (the repository root for the bundled one).
public struct GuardConfig: Sendable {
    /// ZeroMQ endpoints the ROUTER socket binds, e.g. `tcp://127.0.0.1:5555` (may be empty when
    /// ``connect`` is not).
    public var listen: [String]
    /// Backend endpoints of `rnnguard proxy` instances to take requests from, e.g.
    /// `tcp://proxy:5556`: a second ROUTER socket connects to each (docs/deployment.md).
    public var connect: [String]
    /// `host:port` of the Prometheus `/metrics` HTTP endpoint (nil: no endpoint; port 0: any free port).
    public var metrics: String?
    /// Worker threads (already resolved: 0 in the file means one per core).
    public var workers: Int
    public var limits: Limits
    /// Where flagged and refused predictions are appended as JSON lines (nil: no audit log).
    public var auditLog: String?
    /// A file holding the audit log's HMAC key (nil: a random key per run). See ``AuditLog``.
    public var auditKeyFile: String?
    /// CurveZMQ settings (nil: plain TCP, no authentication).
    public var curve: CurveSettings?
    public var models: [ModelPolicy]

    public init(listen: [String], connect: [String] = [], metrics: String? = nil, workers: Int = 0, limits: Limits = Limits(),
                auditLog: String? = nil, curve: CurveSettings? = nil, models: [ModelPolicy], auditKeyFile: String? = nil) {
        self.listen = listen
        self.connect = connect
        self.metrics = metrics
        self.workers = workers > 0 ? workers : ProcessInfo.processInfo.activeProcessorCount
        self.limits = limits
        self.auditLog = auditLog
        self.auditKeyFile = auditKeyFile
        self.curve = curve
        self.models = models
    }

    /// Request limits, enforced before any model work.
    public struct Limits: Sendable, Equatable {
        /// Largest accepted request (all frames together). Bigger requests get `too_large`, up to the
        /// hard cap `maxFrameBytes`; a single frame beyond that makes libzmq drop the connection.
        public var maxMessageBytes: Int
        /// Most time steps (or tokens) in one input; longer gets `sequence_too_long`.
        public var maxSequenceLength: Int
        /// Requests waiting for a worker; when full, new ones get `busy` at once.
        public var queueDepth: Int

        public init(maxMessageBytes: Int = 1 << 20, maxSequenceLength: Int = 1024, queueDepth: Int = 64) {
            self.maxMessageBytes = maxMessageBytes
            self.maxSequenceLength = maxSequenceLength
            self.queueDepth = queueDepth
        }

        // The accepted ranges of numbers from a request or a policy (docs/protocol.md, config/guard.yaml).
        // Each is far above any real use and far below where the arithmetic done with it could overflow,
        // so a value that passes its check can never trap later.

        /// Largest `deadline_ms` (a request's or a policy's): one day. Its microseconds fit an Int64 by far.
        public static let maxDeadlineMilliseconds: Double = 86_400_000
        /// Largest `decide.climb_margin`: a rung's margin bound a million times the prediction's own margin
        /// below zero. Far beyond any calibration measured (docs/performance.md: a few hundred).
        public static let maxClimbMargin: Double = 1_000_000
        /// Largest `limits.max_message_bytes`: 1 GiB (twice it, plus slack, is the libzmq frame cap).
        public static let maxMessageBytesCap = 1 << 30
        /// Largest `limits.max_sequence_length` and `limits.queue_depth`.
        public static let maxCountCap = 1 << 20
        /// Longest request `id` string, in UTF-8 bytes; every reply echoes it.
        public static let maxIDBytes = 256

        /// The hard cap: the libzmq `ZMQ_MAXMSGSIZE` for one frame. A request up to 64 times
        /// `maxMessageBytes` is still read and answered `too_large` (a client that sent a long recording
        /// learns why); only a frame beyond the cap makes libzmq drop the connection before buffering it.
        /// Never below `maxMessageBytes` + 64 KiB, and for large limits never above 1 GiB, so one frame
        /// cannot make the server hold more than that. Overflow-checked because a programmatic config
        /// need not have passed validation; it saturates instead of trapping.
        public var maxFrameBytes: Int64 {
            let limit = Int64(clamping: maxMessageBytes)
            let (scaled, overflow) = limit.multipliedReportingOverflow(by: 64)
            let (floor, overflow2) = limit.addingReportingOverflow(65_536)
            let least = overflow2 ? Int64.max : floor
            return max(least, min(overflow ? Int64.max : scaled, 1 << 30))
        }

        /// Replies queued for one client that does not read them, at most (libzmq `ZMQ_SNDHWM`); beyond,
        /// its replies are dropped and other clients are unaffected. With ids capped at 256 bytes and error
        /// messages repeating at most 64 characters of a client's value (`RequestError.excerpt`), a reply
        /// is at most a few hundred bytes plus 20-40 bytes per class (a `models` reply, about 400 bytes per
        /// served model), so this bounds what a client that never reads can make the server hold: 64
        /// replies, about 40 KB for a 10-class model.
        public static let queuedRepliesPerClient: Int32 = 64
    }

    /// CurveZMQ: the server's secret key and the public keys of the clients it serves.
    public struct CurveSettings: Sendable {
        /// Z85, 40 characters.
        public var secretKey: String
        /// Z85 public keys; a client with any other key is not served.
        public var allowedClients: Set<String>
        /// Z85 public keys, each also in `allowedClients`, of the clients that may send admin ops (`reload`).
        public var adminClients: Set<String>

        public init(secretKey: String, allowedClients: Set<String>, adminClients: Set<String> = []) {
            self.secretKey = secretKey
            self.allowedClients = allowedClients
            self.adminClients = adminClients
        }
    }

    /// Reads and validates a configuration file.
    public static func load(from path: String) throws(ConfigError) -> GuardConfig {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigError("\(path): cannot read the configuration (\(error.localizedDescription))")
        }
        return try parse(yaml: text)
    }

    /// Parses and validates configuration text.
    public static func parse(yaml: String) throws(ConfigError) -> GuardConfig {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw ConfigError("the configuration is not valid YAML: \(error)")
        }
        guard let root else { throw ConfigError("the configuration is empty") }
        return try GuardConfig(validating: ConfigNode(node: root, path: ""))
    }
}
