import ArgumentParser

/// `rnnguard`: run, certify and serve recurrent classifiers exported from PyTorch.
@main
struct RNNGuard: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rnnguard",
        abstract: "Verified deployment of sequence models: predictions with POPQORN certified radii.",
        version: "0.1.0",
        subcommands: [Serve.self, Predict.self, Certify.self, Inspect.self, Bench.self, Demo.self, Keygen.self,
                      ImportONNX.self, Health.self, Reload.self, Proxy.self, Report.self])

    static func main() {
        Allocator.keepWorkingSetResident()
        main(nil)
    }
}
