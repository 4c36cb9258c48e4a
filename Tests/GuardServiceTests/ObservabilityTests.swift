#if canImport(Glibc)
import Glibc
#endif
import Foundation
import GuardClient
import Logging
@testable import GuardService
import Testing

@Suite struct ObservabilityTests {
    /// GET `path` from 127.0.0.1:`port` over a plain socket; the whole response.
    private func httpGet(port: UInt16, path: String) throws -> String {
        let fd = try connectTo(port: port)
        defer { close(fd) }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        var response = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n <= 0 { break }
            response.append(contentsOf: buffer[0..<n])
        }
        return String(decoding: response, as: UTF8.self)
    }

    /// A TCP connection to 127.0.0.1:`port`.
    private func connectTo(port: UInt16) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr)
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if connected != 0 { close(fd) }
        try #require(connected == 0)
        return fd
    }

    /// One idle connection must not hold up a scrape (the old server answered one connection at a time and
    /// waited out the idle one's 2 s read timeout first).
    @Test func anIdleConnectionDoesNotBlockScrapes() throws {
        let server = try Fixtures.startServer(Fixtures.config(metrics: "127.0.0.1:0"))
        defer { server.stop(); server.wait() }
        let port = try #require(server.metricsPort)
        let idle = try connectTo(port: port)
        defer { close(idle) }
        Thread.sleep(forTimeInterval: 0.1)  // let the server accept the idle connection first
        let started = ContinuousClock.now
        #expect(try httpGet(port: port, path: "/metrics").hasPrefix("HTTP/1.1 200 OK"))
        #expect(ContinuousClock.now - started < .seconds(1))
    }

    @Test func metricsAreServedOverHTTP() throws {
        let server = try Fixtures.startServer(Fixtures.config(metrics: "127.0.0.1:0"))
        defer { server.stop(); server.wait() }
        let client = try GuardClient(endpoint: server.endpoints[0], timeoutMilliseconds: 20_000)
        _ = try client.predict(model: "digits-lstm", sequence: Fixtures.digitsInputs[0])
        let certified = try client.certify(model: "digits-lstm", sequence: Fixtures.digitsInputs[1])
        try client.sendRaw([Data("junk".utf8)])
        _ = try client.receive()
        // Names no model has: counted under one label, never as labels of their own.
        for name in ["evil-1", "evil-2"] {
            try client.sendRaw([Fixtures.header(["v": 1, "op": "predict", "model": name, "tokens": [1]])])
            #expect(try client.receive().code == .unknownModel)
        }

        let port = try #require(server.metricsPort)
        let decision = try #require(certified.decision?.action)
        let expected = [
            #"rnnguard_requests_total{model="digits-lstm",op="predict",decision="none",code="ok"} 1"#,
            #"rnnguard_requests_total{model="digits-lstm",op="certify",decision="\#(decision)",code="ok"} 1"#,
            #"rnnguard_requests_total{model="none",op="none",decision="none",code="bad_json"} 1"#,
            #"rnnguard_requests_total{model="unknown",op="predict",decision="none",code="unknown_model"} 2"#,
            #"rnnguard_inference_seconds_count{model="digits-lstm"} 2"#,
            #"rnnguard_certification_seconds_count{model="digits-lstm",mode="threshold"} 1"#,
            #"rnnguard_certified_radius_count{model="digits-lstm"} 1"#,
            "rnnguard_queue_capacity 64",
            "rnnguard_workers 2",
        ]
        // Workers reply first and record metrics just after: allow them a moment.
        var response = ""
        for _ in 0..<100 {
            response = try httpGet(port: port, path: "/metrics")
            if expected.allSatisfy(response.contains) { break }
            Thread.sleep(forTimeInterval: 0.02)
        }
        #expect(response.hasPrefix("HTTP/1.1 200 OK"))
        #expect(response.contains("Content-Type: text/plain; version=0.0.4"))
        for line in expected {
            #expect(response.contains(line), "missing: \(line)")
        }
        #expect(!response.contains("evil"))
        #expect(response.contains("rnnguard_worker_busy_seconds_total"))
        #expect(response.contains("rnnguard_queue_depth"))
        #expect(try httpGet(port: port, path: "/other").hasPrefix("HTTP/1.1 404"))
    }

    /// Client strings reach the logs escaped: an id or model name with a newline cannot forge a log line,
    /// on the I/O thread (a refused request) or in a worker (an unknown model).
    @Test func clientStringsAreEscapedInLogs() throws {
        let logs = CapturedLogs()
        let logger = Logger(label: "rnnguard.test") { _ in CaptureHandler(store: logs) }
        let server = try GuardServer(config: Fixtures.config(), models: Fixtures.models, logger: logger)
        try server.start()
        let client = try GuardClient(endpoint: server.endpoints[0], timeoutMilliseconds: 20_000)
        try client.sendRaw([Fixtures.header(["v": 1, "id": "a\nforged line", "op": "train"])])
        _ = try client.receive()
        try client.sendRaw([Fixtures.header(["v": 1, "id": "b\r\nforged", "op": "predict", "model": "m\nx", "tokens": [1]])])
        _ = try client.receive()
        server.stop()
        server.wait()
        let lines = logs.lines()
        #expect(lines.contains { $0.contains(#"a\nforged line"#) })
        #expect(lines.contains { $0.contains(#"b\r\nforged"#) && $0.contains(#"m\nx"#) })
        #expect(lines.allSatisfy { !$0.contains("\n") && !$0.contains("\r") })
    }

    @Test func flaggedAndRefusedPredictionsAreAudited() throws {
        let path = Fixtures.temporaryPath("audit.jsonl")
        defer { try? FileManager.default.removeItem(atPath: path) }
        // Thresholds no prediction reaches: every certify is refused and audited.
        var strict = Fixtures.digitsPolicy
        strict.decide = DecisionPolicy(acceptAtOrAbove: 1000, refuseBelow: 1000)
        let models = [ServedModel(policy: strict, classifier: Fixtures.models[0].classifier)]
        let keyPath = Fixtures.temporaryPath("audit.key")
        defer { try? FileManager.default.removeItem(atPath: keyPath) }
        let key = Array("an audit key of 32 bytes, test!!".utf8)
        try Data(key + [0x0A]).write(to: URL(fileURLWithPath: keyPath))  // the trailing newline is not key
        var config = Fixtures.config(auditLog: path)
        config.auditKeyFile = keyPath
        config.models = [strict]
        let server = try Fixtures.startServer(config, models: models)
        let client = try GuardClient(endpoint: server.endpoints[0], timeoutMilliseconds: 20_000)
        let refused = try client.certify(model: "digits-lstm", sequence: Fixtures.digitsInputs[2])
        _ = try client.predict(model: "digits-lstm", sequence: Fixtures.digitsInputs[2])  // predictions are not audited
        server.stop()
        server.wait()

        #expect(refused.decision?.action == "refuse")
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        try #require(lines.count == 1)
        let record = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
        #expect(record["model"] as? String == "digits-lstm")
        #expect(refused.id == .string(record["id"] as? String ?? ""))
        #expect(record["decision"] as? String == "refuse")
        #expect(record["radius"] as? Double == refused.certificate?.radius)
        #expect((record["policy"] as? [String: Any])?["refuse_below"] as? Double == 1000)
        #expect(record["time"] is String)
        // The digest is keyed (issue 10): HMAC-SHA256 under the configured key of the payload bytes the
        // client sent, so a guessed text cannot be confirmed by hashing it; no unkeyed digest is written.
        let payload = [UInt8](Fixtures.payload(Fixtures.digitsInputs[2].flatMap { $0 }))
        #expect(record["input_hmac_sha256"] as? String == AuditLog.hmacHex(payload, key: key))
        #expect(record["input_sha256"] == nil)
        // Created readable by its owner only.
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func hmacMatchesRFC4231AndKeysMustBeLongEnough() throws {
        // RFC 4231 test case 2.
        #expect(AuditLog.hmacHex(Array("what do ya want for nothing?".utf8), key: Array("Jefe".utf8))
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        let keyPath = Fixtures.temporaryPath("short.key")
        defer { try? FileManager.default.removeItem(atPath: keyPath) }
        try Data("too short\n".utf8).write(to: URL(fileURLWithPath: keyPath))
        #expect(throws: ServerError.self) { try AuditLog(path: Fixtures.temporaryPath("audit.jsonl"), keyFile: keyPath) }
        #expect(throws: ServerError.self) { try AuditLog(path: Fixtures.temporaryPath("audit.jsonl"), keyFile: "/nonexistent/key") }
    }
}

/// Log lines as a handler would render them: message and metadata, one string per event.
final class CapturedLogs: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []

    func append(_ line: String) { lock.withLock { stored.append(line) } }
    func lines() -> [String] { lock.withLock { stored } }
}

struct CaptureHandler: LogHandler {
    let store: CapturedLogs
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let fields = (event.metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        store.append(([event.message.description] + fields).joined(separator: " "))
    }
}

/// `serve --log-format json` (issue 10): one JSON object per event, client strings kept inside their field.
@Suite struct JSONLogTests {
    @Test func eachEventIsOneParsableLine() throws {
        let lines = CapturedLogs()
        var logger = Logger(label: "rnnguard.test") { label in JSONLinesLogHandler(label: label) { lines.append(String(decoding: $0, as: UTF8.self)) } }
        logger.logLevel = .debug
        logger.info("request failed", metadata: ["id": "a\n{\"forged\": 1}", "code": "bad_json"])
        logger.debug("certified", metadata: ["radius": "0.01"])
        let written = lines.lines()
        #expect(written.count == 2 && written.allSatisfy { $0.hasSuffix("\n") && $0.dropLast().allSatisfy { $0 != "\n" } })
        let first = try #require(try JSONSerialization.jsonObject(with: Data(written[0].utf8)) as? [String: String])
        #expect(first["message"] == "request failed" && first["level"] == "info" && first["label"] == "rnnguard.test")
        #expect(first["id"] == "a\n{\"forged\": 1}" && first["forged"] == nil && first["time"] != nil)
    }
}
