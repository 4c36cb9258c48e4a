import CZeroMQ

/// A socket option with its value, for ``Socket/set(_:)``.
///
/// Only the options rnnguard needs; each maps to one `ZMQ_*` option with the C type libzmq expects.
public enum SocketOption: Sendable {
    /// How long unsent messages linger after close, in ms. rnnguard uses 0 everywhere so that
    /// terminating the context never blocks.
    case linger(milliseconds: Int32)
    /// Timeout of a blocking receive in ms (-1: forever).
    case receiveTimeout(milliseconds: Int32)
    /// Timeout of a blocking send in ms (-1: forever).
    case sendTimeout(milliseconds: Int32)
    /// Queue limit of outgoing messages (0: unlimited).
    case sendHighWaterMark(Int32)
    /// Queue limit of incoming messages (0: unlimited).
    case receiveHighWaterMark(Int32)
    /// Largest inbound message in bytes; a peer that sends a bigger one is disconnected (-1: no limit).
    case maxMessageSize(Int64)
    /// ROUTER: fail with `EHOSTUNREACH` instead of silently dropping a message to an unknown peer.
    case routerMandatory(Bool)
    /// Act as the CurveZMQ server (needs ``curveSecretKey(_:)``).
    case curveServer(Bool)
    /// This socket's long-term CurveZMQ public key (Z85, 40 characters).
    case curvePublicKey(String)
    /// This socket's long-term CurveZMQ secret key (Z85, 40 characters).
    case curveSecretKey(String)
    /// Client: the server's CurveZMQ public key (Z85, 40 characters).
    case curveServerKey(String)
    /// The ZAP domain sent to the authentication handler.
    case zapDomain(String)
    /// Queue messages only to completed connections.
    case immediate(Bool)
    /// ZMTP heartbeats: a PING every `interval` ms; a connection that stays silent for `timeout` ms is
    /// closed. Without them a peer whose host vanished (no TCP reset) keeps its connection until the
    /// kernel gives up, minutes later, and a DEALER keeps routing messages to it meanwhile.
    case heartbeat(intervalMilliseconds: Int32, timeoutMilliseconds: Int32)
    /// Refuse every handshake when no ZAP handler answers for the socket's domain. Without it, libzmq
    /// admits any CURVE client that knows the server key whenever the handler is not running.
    case zapEnforceDomain(Bool)

    /// Everything a CurveZMQ server socket needs: the server role, its secret key, the ZAP domain and
    /// domain enforcement, so that the allow list (a ``CurveAuthenticator``) can never be bypassed.
    public static func curveServer(secretKey: String, zapDomain: String) -> [SocketOption] {
        [.curveServer(true), .curveSecretKey(secretKey), .zapDomain(zapDomain), .zapEnforceDomain(true)]
    }

    // ZMQ_ZAP_ENFORCE_DOMAIN is stable in libzmq 4.3 but zmq.h still declares it under the draft API, which
    // Swift does not import; the number is fixed by libzmq.
    private static let zapEnforceDomainOption: Int32 = 93

    func apply(to socket: UnsafeMutableRawPointer) -> Int32 {
        switch self {
        case .linger(let ms): return Self.setInt32(socket, ZMQ_LINGER, ms)
        case .receiveTimeout(let ms): return Self.setInt32(socket, ZMQ_RCVTIMEO, ms)
        case .sendTimeout(let ms): return Self.setInt32(socket, ZMQ_SNDTIMEO, ms)
        case .sendHighWaterMark(let n): return Self.setInt32(socket, ZMQ_SNDHWM, n)
        case .receiveHighWaterMark(let n): return Self.setInt32(socket, ZMQ_RCVHWM, n)
        case .maxMessageSize(let bytes):
            var value = bytes
            return zmq_setsockopt(socket, ZMQ_MAXMSGSIZE, &value, MemoryLayout<Int64>.size)
        case .routerMandatory(let on): return Self.setInt32(socket, ZMQ_ROUTER_MANDATORY, on ? 1 : 0)
        case .curveServer(let on): return Self.setInt32(socket, ZMQ_CURVE_SERVER, on ? 1 : 0)
        case .curvePublicKey(let key): return Self.setString(socket, ZMQ_CURVE_PUBLICKEY, key)
        case .curveSecretKey(let key): return Self.setString(socket, ZMQ_CURVE_SECRETKEY, key)
        case .curveServerKey(let key): return Self.setString(socket, ZMQ_CURVE_SERVERKEY, key)
        case .zapDomain(let domain): return Self.setString(socket, ZMQ_ZAP_DOMAIN, domain)
        case .immediate(let on): return Self.setInt32(socket, ZMQ_IMMEDIATE, on ? 1 : 0)
        case .heartbeat(let interval, let timeout):
            let failed = Self.setInt32(socket, ZMQ_HEARTBEAT_IVL, interval)
            return failed != 0 ? failed : Self.setInt32(socket, ZMQ_HEARTBEAT_TIMEOUT, timeout)
        case .zapEnforceDomain(let on): return Self.setInt32(socket, Self.zapEnforceDomainOption, on ? 1 : 0)
        }
    }

    /// The option's name for error messages.
    var name: String {
        switch self {
        case .linger: "ZMQ_LINGER"
        case .receiveTimeout: "ZMQ_RCVTIMEO"
        case .sendTimeout: "ZMQ_SNDTIMEO"
        case .sendHighWaterMark: "ZMQ_SNDHWM"
        case .receiveHighWaterMark: "ZMQ_RCVHWM"
        case .maxMessageSize: "ZMQ_MAXMSGSIZE"
        case .routerMandatory: "ZMQ_ROUTER_MANDATORY"
        case .curveServer: "ZMQ_CURVE_SERVER"
        case .curvePublicKey: "ZMQ_CURVE_PUBLICKEY"
        case .curveSecretKey: "ZMQ_CURVE_SECRETKEY"
        case .curveServerKey: "ZMQ_CURVE_SERVERKEY"
        case .zapDomain: "ZMQ_ZAP_DOMAIN"
        case .immediate: "ZMQ_IMMEDIATE"
        case .heartbeat: "ZMQ_HEARTBEAT_IVL/ZMQ_HEARTBEAT_TIMEOUT"
        case .zapEnforceDomain: "ZMQ_ZAP_ENFORCE_DOMAIN"
        }
    }

    private static func setInt32(_ socket: UnsafeMutableRawPointer, _ option: Int32, _ value: Int32) -> Int32 {
        var value = value
        return zmq_setsockopt(socket, option, &value, MemoryLayout<Int32>.size)
    }

    // CURVE keys given as Z85 text are passed with their 40 characters (libzmq also accepts the
    // terminating NUL, but not a shorter string).
    private static func setString(_ socket: UnsafeMutableRawPointer, _ option: Int32, _ value: String) -> Int32 {
        var bytes = Array(value.utf8)
        return zmq_setsockopt(socket, option, &bytes, bytes.count)
    }
}
