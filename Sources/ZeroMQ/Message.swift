import CZeroMQ
import Foundation

/// One received frame in libzmq's own `zmq_msg_t`.
///
/// `zmq_msg_t` must never be copied after `zmq_msg_init` (it holds an opaque 64-byte tuple that may
/// point into itself), so it lives in its own allocation for its whole life and is closed in `deinit`.
final class Message {
    private let pointer: UnsafeMutablePointer<zmq_msg_t>

    init() {
        pointer = .allocate(capacity: 1)
        zmq_msg_init(pointer)
    }

    deinit {
        zmq_msg_close(pointer)
        pointer.deallocate()
    }

    /// Receives the next frame from `socket` into this message; returns false on `EAGAIN`.
    func receive(from socket: UnsafeMutableRawPointer, flags: Int32) throws(ZeroMQError) -> Bool {
        while zmq_msg_recv(pointer, socket, flags) < 0 {
            let error = ZeroMQError.last("zmq_msg_recv")
            if error.isInterrupted { continue }
            if error.isAgain { return false }
            throw error
        }
        return true
    }

    /// A metadata property of the received frame (`zmq_msg_gets`), e.g. "Peer-Address" (the sending
    /// peer's IP address) or "User-Id" (what the ZAP handler named the peer: its CURVE public key);
    /// nil when the connection has no such property.
    func property(_ name: String) -> String? {
        guard let value = zmq_msg_gets(pointer, name) else { return nil }
        return String(cString: value)
    }

    /// Whether more frames of the same multipart message follow.
    var hasMore: Bool { zmq_msg_more(pointer) != 0 }

    /// A copy of the frame's bytes (payloads may be unaligned, so they are copied, never rebound).
    var data: Data {
        let size = zmq_msg_size(pointer)
        guard size > 0, let bytes = zmq_msg_data(pointer) else { return Data() }
        return Data(bytes: bytes, count: size)
    }
}
