#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// A minimal HTTP/1.1 responder for Prometheus scrapes: `GET /metrics` returns the text exposition,
/// anything else 404. Each connection is answered on its own short-lived thread and closed.
///
/// Hardened because anyone who reaches the port is a client (issue 10): writes use `MSG_NOSIGNAL`, so a
/// client that resets its connection costs an `EPIPE`, not the process (SIGPIPE); reads and writes time
/// out, and a whole request head must arrive within ``requestTimeoutSeconds``; at most
/// ``maxConnections`` are served at once (more are closed at once), so idle or slow clients can neither
/// block a scrape nor pile up threads.
public final class MetricsHTTPServer: Sendable {
    /// What a scrape returns: the sidecar's ``GuardMetrics`` or the proxy's ``ProxyMetrics``.
    public protocol Source: Sendable {
        /// The Prometheus text exposition (format 0.0.4).
        func exposition() -> String
    }

    /// Connections answered concurrently; a scraper needs one, a few more leave room for humans.
    public static let maxConnections = 8
    /// Longest time a connection may take to send its request head (and each read or write may block).
    public static let requestTimeoutSeconds = 2

    /// The bound port (the chosen one when the address asked for port 0).
    public let port: UInt16
    private let descriptor: Int32
    private let stopRequested = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    private let active = Atomic<Int>(0)

    public init(address: MetricsAddress, metrics: any Source) throws(ServerError) {
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
                guard client >= 0 else { continue }
                // Over the cap, close at once rather than queue: the scraper retries next interval.
                guard active.add(1, ordering: .relaxed).newValue <= Self.maxConnections else {
                    active.subtract(1, ordering: .relaxed)
                    close(client)
                    continue
                }
                let connection = Thread { [self] in
                    Self.answer(client, metrics: metrics)
                    active.subtract(1, ordering: .relaxed)
                }
                connection.name = "metrics-http-connection"
                connection.start()
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

    private static func answer(_ client: Int32, metrics: any Source) {
        defer { close(client) }
        var timeout = timeval(tv_sec: requestTimeoutSeconds, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        #if canImport(Darwin)
        var yes: Int32 = 1
        setsockopt(client, SOL_SOCKET, SO_NOSIGPIPE, &yes, socklen_t(MemoryLayout<Int32>.size))
        #endif
        // The per-read timeout alone lets a client dribble a byte per second for ever: bound the whole head.
        let deadline = ContinuousClock.now + .seconds(requestTimeoutSeconds)
        var request = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 2048)
        // Read the request head (it ends with an empty line); scrapes have no body.
        while request.count < 16_384, !request.ends(with: Array("\r\n\r\n".utf8)), ContinuousClock.now < deadline {
            let n = read(client, &buffer, buffer.count)
            if n <= 0 { return }
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
        let bytes = Array(response.utf8)
        var offset = 0
        while offset < bytes.count {
            // MSG_NOSIGNAL: a peer that reset the connection makes send fail with EPIPE instead of
            // raising SIGPIPE, whose default action kills the whole sidecar.
            let n = bytes.withUnsafeBytes { send(client, $0.baseAddress! + offset, $0.count - offset, Self.sendFlags) }
            if n <= 0 { break }
            offset += n
        }
    }

    #if canImport(Glibc)
    private static let sendFlags = Int32(MSG_NOSIGNAL)
    #else
    private static let sendFlags: Int32 = 0  // Darwin: SO_NOSIGPIPE on the socket instead
    #endif
}

private extension Array where Element == UInt8 {
    func ends(with suffix: [UInt8]) -> Bool { count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix }
}
