#if canImport(Glibc)
import Glibc
#endif
import Foundation
import GuardClient
@testable import GuardService
import Testing

@Suite struct ObservabilityTests {
    /// GET `path` from 127.0.0.1:`port` over a plain socket; the whole response.
    private func httpGet(port: UInt16, path: String) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr)
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(connected == 0)
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

    @Test func metricsAreServedOverHTTP() throws {
        let server = try Fixtures.startServer(Fixtures.config(metrics: "127.0.0.1:0"))
        defer { server.stop(); server.wait() }
        let client = try GuardClient(endpoint: server.endpoints[0], timeoutMilliseconds: 20_000)
        _ = try client.predict(model: "digits-lstm", sequence: Fixtures.digitsInputs[0])
        let certified = try client.certify(model: "digits-lstm", sequence: Fixtures.digitsInputs[1])
        try client.sendRaw([Data("junk".utf8)])
        _ = try client.receive()

        let port = try #require(server.metricsPort)
        let decision = try #require(certified.decision?.action)
        let expected = [
            #"rnnguard_requests_total{model="digits-lstm",op="predict",decision="none",code="ok"} 1"#,
            #"rnnguard_requests_total{model="digits-lstm",op="certify",decision="\#(decision)",code="ok"} 1"#,
            #"rnnguard_requests_total{model="none",op="none",decision="none",code="bad_json"} 1"#,
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
        #expect(response.contains("rnnguard_worker_busy_seconds_total"))
        #expect(response.contains("rnnguard_queue_depth"))
        #expect(try httpGet(port: port, path: "/other").hasPrefix("HTTP/1.1 404"))
    }

    @Test func sha256MatchesKnownVectors() {
        #expect(SHA256.hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let long = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(SHA256.hex(long) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }
}
