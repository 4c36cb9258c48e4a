#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// A minimal HTTP/1.1 responder for Prometheus scrapes: `GET /metrics` returns the text exposition,
/// anything else 404. One connection at a time on its own thread (a scrape every few seconds needs no
/// more), each answered and closed.
public final class MetricsHTTPServer: Sendable {
    /// The bound port (the chosen one when the address asked for port 0).
    public let port: UInt16
    private let descriptor: Int32
    private let stopRequested = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    public init(address: MetricsAddress, metrics: GuardMetrics) throws(ServerError) {
        #if canImport(Glibc)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw ServerError("metrics: cannot create a socket: \(String(cString: strerror(errno)))") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = address.port.bigEndian
        guard inet_pton(AF_INET, address.host, &addr.sin_addr) == 1 else {
            close(fd)
            throw ServerError("metrics: \(address.host) is not an IPv4 address")
        }
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw ServerError("metrics: cannot listen on \(address.host):\(address.port): \(reason)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.port = UInt16(bigEndian: addr.sin_port)
        self.descriptor = fd

        let thread = Thread { [self] in
            defer { finished.signal() }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            while !stopRequested.load(ordering: .relaxed) {
                // Wake every 200 ms to notice stop().
                guard poll(&poller, 1, 200) > 0 else { continue }
                let client = accept(fd, nil, nil)
                if client >= 0 { Self.answer(client, metrics: metrics) }
            }
        }
        thread.name = "metrics-http"
        thread.start()
    }

    /// Stops answering and closes the listening socket.
    public func stop() {
        guard !stopRequested.exchange(true, ordering: .relaxed) else { return }
        finished.wait()
        close(descriptor)
    }

    private static func answer(_ client: Int32, metrics: GuardMetrics) {
        defer { close(client) }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var request = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 2048)
        // Read the request head (it ends with an empty line); scrapes have no body.
        while request.count < 16_384, !request.ends(with: Array("\r\n\r\n".utf8)) {
            let n = read(client, &buffer, buffer.count)
            if n <= 0 { break }
            request.append(contentsOf: buffer[0..<n])
        }
        let line = String(decoding: request.prefix(while: { $0 != 13 && $0 != 10 }), as: UTF8.self)
        let parts = line.split(separator: " ")
        let response: String
        if parts.count >= 2, parts[0] == "GET", parts[1] == "/metrics" || parts[1].hasPrefix("/metrics?") {
            let body = metrics.exposition()
            response = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
                + "Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body
        } else {
            let body = "not found: try GET /metrics\n"
            response = "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\n"
                + "Connection: close\r\n\r\n" + body
        }
        var bytes = Array(response.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { write(client, $0.baseAddress! + offset, $0.count - offset) }
            if n <= 0 { break }
            offset += n
        }
    }
}

private extension Array where Element == UInt8 {
    func ends(with suffix: [UInt8]) -> Bool { count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix }
}
