import ArgumentParser
import Foundation
import ZeroMQ

/// `rnnguard keygen`: a CurveZMQ key pair for the server or a client.
struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make a CurveZMQ key pair (Z85) for `curve:` in the config or for a client.")

    @Option(name: .long, help: "Write the secret key to this file (mode 0600) instead of printing it.")
    var secretKeyFile: String?

    func run() throws {
        guard Context.hasCurve else {
            JSONOutput.error("this libzmq was built without CurveZMQ")
            throw ExitCode(1)
        }
        let pair = try CurveKeyPair.generate()
        if let secretKeyFile {
            let created = FileManager.default.createFile(atPath: secretKeyFile, contents: Data((pair.secretKey + "\n").utf8),
                                                         attributes: [.posixPermissions: 0o600])
            guard created else {
                JSONOutput.error("cannot write \(secretKeyFile)")
                throw ExitCode(1)
            }
            print("""
                public_key: "\(pair.publicKey)"
                # secret key written to \(secretKeyFile); for a server, put in the config:
                #   curve:
                #     secret_key_file: \(secretKeyFile)
                """)
        } else {
            print("""
                public_key: "\(pair.publicKey)"
                secret_key: "\(pair.secretKey)"
                # Server: `curve: {secret_key: ...}` in the config, and give clients the public key.
                # Client: list the public key under `curve.allowed_clients` in the server's config.
                """)
        }
    }
}
