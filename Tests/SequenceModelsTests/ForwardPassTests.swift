import Foundation
import Testing
@testable import SequenceModels

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The independent reference fixtures, in `../shared/fixtures` beside the repository on the development
/// machines only. A fresh clone has none: the bundled `examples/models` then cover every architecture on
/// their own, and the check that the fixtures were read is skipped, saying so.
let sharedFixtures = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/fixtures")
let sharedFixturesPresent = FileManager.default.fileExists(atPath: sharedFixtures.path)

/// Every model folder the forward pass must reproduce: the bundled examples and, when present, the fixtures.
let modelFolders: [URL] = {
    let examples = repositoryRoot.appendingPathComponent("examples/models")
    return [examples, sharedFixtures].flatMap { root in
        ((try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []).sorted().map { root.appendingPathComponent($0) }
    }.filter { FileManager.default.fileExists(atPath: $0.appendingPathComponent("inputs.json").path) }
}()

struct RecordedInput: Decodable {
    let logits: [Double]
    let sequence: [[Double]]?
    let tokens: [Int]?
    let text: String?
}

@Suite("Forward pass reproduces PyTorch")
struct ForwardPassTests {
    /// The bundled examples alone (PyTorch's logits in each inputs.json) cover every architecture: RNN tanh,
    /// ReLU and without bias, LSTM and GRU with one to three layers, token embeddings and a speech model.
    @Test func everyArchitectureVariantIsCovered() {
        let names = Set(modelFolders.map(\.lastPathComponent))
        for required in ["digits-rnn-tanh", "digits-rnn-relu", "digits-lstm", "digits-gru", "digits-lstm-2layer",
                         "digits-lstm-3layer", "digits-gru-2layer", "digits-rnn-nobias", "news-lstm", "news-gru", "speech-gru"] {
            #expect(names.contains(required), "missing model folder examples/models/\(required)")
        }
    }

    @Test(.enabled(if: sharedFixturesPresent, "../shared/fixtures is not beside the repository (a fresh clone): reference models skipped"))
    func referenceFixturesAreRead() {
        let names = Set(modelFolders.map(\.lastPathComponent))
        for required in ["rnn_digits", "lstm_digits", "gru_digits"] {
            #expect(names.contains(required), "missing fixture folder \(required)")
        }
    }

    @Test(arguments: modelFolders)
    func logitsMatchPyTorch(folder: URL) throws {
        let model = try SequenceClassifier(contentsOf: folder)
        let inputs = try JSONDecoder().decode([RecordedInput].self, from: Data(contentsOf: folder.appendingPathComponent("inputs.json")))
        #expect(!inputs.isEmpty)
        for input in inputs {
            let sequence = try model.sequence(for: input.sequence.map(ModelInput.sequence) ?? .tokens(input.tokens!))
            let logits = try model.logits(sequence)
            #expect(logits.count == input.logits.count)
            for (mine, theirs) in zip(logits, input.logits) {
                #expect(abs(mine - theirs) <= 1e-5 * max(1, abs(theirs)), "\(folder.lastPathComponent): \(mine) vs \(theirs)")
            }
            if let text = input.text, let tokens = input.tokens {
                #expect(model.vocabulary?.encode(text) == tokens, "tokenizer disagrees with the exporter on \"\(text)\"")
            }
        }
    }

    @Test func traceExposesEveryStep() throws {
        let model = SequenceClassifier.random(architecture: .lstm, inputSize: 3, hiddenSize: 4, numLayers: 2, numClasses: 2, seed: 1)
        let trace = model.trace(SequenceClassifier.randomSequence(length: 5, inputSize: 3, seed: 2))
        #expect(trace.topOutputs.count == 5 && trace.topOutputs.allSatisfy { $0.count == 4 })
        // The logits are the head applied to the top layer's last output.
        var logits = model.head.layers[0].bias
        model.head.layers[0].weight.multiply(trace.topOutputs[4], addingTo: &logits)
        #expect(logits == trace.logits)
    }
}

@Suite("Safetensors reading")
struct SafeTensorsTests {
    /// A safetensors file built by hand: header, then data.
    static func file(header: String, data: [UInt8]) -> Data {
        var bytes = Data()
        var length = UInt64(header.utf8.count).littleEndian
        withUnsafeBytes(of: &length) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: Array(header.utf8))
        bytes.append(contentsOf: data)
        return bytes
    }

    @Test func readsEveryFloatType() throws {
        // 1.5 and -2 in each type.
        let f32: [UInt8] = [0x00, 0x00, 0xC0, 0x3F, 0x00, 0x00, 0x00, 0xC0]
        let f64: [UInt8] = [0, 0, 0, 0, 0, 0, 0xF8, 0x3F, 0, 0, 0, 0, 0, 0, 0, 0xC0]
        let f16: [UInt8] = [0x00, 0x3E, 0x00, 0xC0]
        let bf16: [UInt8] = [0xC0, 0x3F, 0x00, 0xC0]
        let header = #"{"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"#
            + #""b":{"dtype":"F64","shape":[2],"data_offsets":[8,24]},"c":{"dtype":"F16","shape":[2],"data_offsets":[24,28]},"#
            + #""d":{"dtype":"BF16","shape":[1,2],"data_offsets":[28,32]}}"#
        let parsed = try SafeTensorsFile(bytes: Self.file(header: header, data: f32 + f64 + f16 + bf16))
        for name in ["a", "b", "c", "d"] { #expect(try parsed.values(of: name) == [1.5, -2]) }
        #expect(parsed.metadata["format"] == "pt")
    }

    @Test func halfPrecisionSpecialValues() {
        #expect(DType.halfToDouble(0x7C00) == .infinity)
        #expect(DType.halfToDouble(0x0001) == 0x1p-24)
        #expect(DType.halfToDouble(0x3C00) == 1)
        #expect(DType.halfToDouble(0x7E00).isNaN)
    }

    @Test func corruptFilesAreTypedErrors() {
        #expect(throws: ModelError.corruptSafetensors("file of 3 bytes is shorter than the 8-byte header length")) {
            try SafeTensorsFile(bytes: Data([1, 2, 3]))
        }
        var huge = Self.file(header: "{}", data: [])
        huge.replaceSubrange(0..<8, with: [0xFF, 0xFF, 0, 0, 0, 0, 0, 0])
        #expect(throws: ModelError.corruptSafetensors("header length 65535 is larger than the file (10 bytes)")) {
            try SafeTensorsFile(bytes: huge)
        }
        #expect(throws: ModelError.corruptSafetensors("header is not valid JSON")) {
            try SafeTensorsFile(bytes: Self.file(header: "{nope", data: []))
        }
        #expect(throws: ModelError.unsupportedDType(tensor: "a", dtype: "I8")) {
            try SafeTensorsFile(bytes: Self.file(header: #"{"a":{"dtype":"I8","shape":[1],"data_offsets":[0,1]}}"#, data: [0]))
        }
        #expect(throws: ModelError.corruptSafetensors("tensor a data [0, 8) lies outside the 4-byte buffer (truncated file?)")) {
            try SafeTensorsFile(bytes: Self.file(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: [0, 0, 0, 0]))
        }
        #expect(throws: ModelError.corruptSafetensors("tensor a has 4 bytes for shape [2] of F32")) {
            try SafeTensorsFile(bytes: Self.file(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]))
        }
    }
}

/// Crafted headers (issue 10): sizes that used to wrap the size check and let DType.decode write past its
/// buffer, offsets outside the file, and weights that are not finite. Each must be a typed ModelError.
@Suite("Safetensors reading: hostile headers")
struct HostileSafeTensorsTests {
    static func parse(_ header: String, data: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0]) throws(ModelError) -> SafeTensorsFile {
        try SafeTensorsFile(bytes: SafeTensorsTests.file(header: header, data: data))
    }

    static func entry(shape: String, offsets: String, dtype: String = "F32") -> String {
        #"{"a":{"dtype":"\#(dtype)","shape":\#(shape),"data_offsets":\#(offsets)}}"#
    }

    /// 2^31 x 2^31 float32s are 2^64 bytes, which wraps to 0: the old check compared 0 == 0 and then
    /// decoded 2^62 elements from an empty range.
    @Test func wrappingShapeProductIsRefused() {
        #expect(throws: ModelError.corruptSafetensors("tensor a has 0 bytes for shape [2147483648, 2147483648] of F32")) {
            try Self.parse(Self.entry(shape: "[2147483648,2147483648]", offsets: "[0,0]"))
        }
        #expect(throws: ModelError.corruptSafetensors("tensor a has 8 bytes for shape [4294967296, 4294967296, 2] of F64")) {
            try Self.parse(Self.entry(shape: "[4294967296,4294967296,2]", offsets: "[0,8]", dtype: "F64"))
        }
    }

    @Test(arguments: [
        // Sizes beyond exact integers (2^62 + 2 elements, whose 4-byte product wraps to 8), fractions, bools.
        ("[4611686018427387906]", "[0,8]"), ("[1e30]", "[0,8]"), ("[2.5]", "[0,8]"), ("[true, 2]", "[0,8]"),
        ("[2]", "[0,1e30]"), ("[2]", "[0.5,8]"), ("[2]", "[0]"),
    ])
    func nonIntegerSizesAndOffsetsAreRefused(shape: String, offsets: String) {
        #expect(throws: ModelError.self) { try Self.parse(Self.entry(shape: shape, offsets: offsets)) }
    }

    @Test func offsetsOutsideTheFileAreRefused() {
        #expect(throws: ModelError.corruptSafetensors("tensor a data [-8, 0) lies outside the 8-byte buffer (truncated file?)")) {
            try Self.parse(Self.entry(shape: "[2]", offsets: "[-8,0]"))
        }
        #expect(throws: ModelError.corruptSafetensors("tensor a data [0, 8000000000000000) lies outside the 8-byte buffer (truncated file?)")) {
            try Self.parse(Self.entry(shape: "[2000000000000000]", offsets: "[0,8000000000000000]"))
        }
        #expect(throws: ModelError.corruptSafetensors("tensor a data [8, 4) lies outside the 8-byte buffer (truncated file?)")) {
            try Self.parse(Self.entry(shape: "[1]", offsets: "[8,4]"))
        }
        #expect(throws: ModelError.corruptSafetensors("tensor a has a negative dimension")) {
            try Self.parse(Self.entry(shape: "[-2,-1]", offsets: "[0,8]"))
        }
    }

    @Test func nonFiniteWeightsAreRefusedNamingTheTensor() throws {
        // 1.0 then NaN (float32), and +inf as float16.
        let file = try Self.parse(Self.entry(shape: "[2]", offsets: "[0,8]"), data: [0, 0, 0x80, 0x3F, 0, 0, 0xC0, 0x7F])
        #expect(throws: ModelError.nonFiniteWeight(tensor: "a", index: 1)) { try file.values(of: "a") }
        let half = try Self.parse(Self.entry(shape: "[1]", offsets: "[0,2]", dtype: "F16"), data: [0x00, 0x7C])
        #expect(throws: ModelError.nonFiniteWeight(tensor: "a", index: 0)) { try half.values(of: "a") }
    }
}

@Suite("Loading model folders")
struct ModelLoadingTests {
    /// A copy of a bundled model in a temporary folder, to break on purpose; the test removes it.
    func scratchCopy(of name: String) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rnnguard-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: repositoryRoot.appendingPathComponent("examples/models/\(name)"), to: folder)
        return folder
    }

    @Test func truncatedWeightsAreReported() throws {
        let folder = try scratchCopy(of: "digits-gru")
        defer { try? FileManager.default.removeItem(at: folder) }
        let weights = folder.appendingPathComponent("model.safetensors")
        let bytes = try Data(contentsOf: weights)
        try bytes.prefix(bytes.count - 100).write(to: weights)
        #expect(throws: ModelError.self) { try SequenceClassifier(contentsOf: folder) }
        do { _ = try SequenceClassifier(contentsOf: folder) } catch {
            #expect(error.description.contains("outside"))
        }
    }

    @Test func misshapenTensorNamesExpectedAndFoundShapes() throws {
        let folder = try scratchCopy(of: "digits-lstm")
        defer { try? FileManager.default.removeItem(at: folder) }
        let manifestURL = folder.appendingPathComponent("model.json")
        var manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: manifestURL)) as! [String: Any]
        manifest["hidden_size"] = 16
        try JSONSerialization.data(withJSONObject: manifest).write(to: manifestURL)
        #expect(throws: ModelError.tensorShape(tensor: "rnn.weight_ih_l0", expected: [64, 8], found: [128, 8])) {
            try SequenceClassifier(contentsOf: folder)
        }
    }

    /// A model whose weights hold a NaN no longer loads (it used to answer `ok` with NaN logits).
    @Test func nanWeightsRefuseTheModel() throws {
        let folder = try scratchCopy(of: "digits-gru")
        defer { try? FileManager.default.removeItem(at: folder) }
        let weights = folder.appendingPathComponent("model.safetensors")
        var bytes = try Data(contentsOf: weights)
        let file = try SafeTensorsFile(bytes: bytes)
        let name = "encoder.weight_hh_l0"
        let info = try #require(file.tensors[name])
        #expect(info.dtype == .f32)
        let at = 8 + bytes.withUnsafeBytes { Int(UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))) } + info.dataRange.lowerBound + 4
        bytes.replaceSubrange(at..<(at + 4), with: [0, 0, 0xC0, 0x7F])
        try bytes.write(to: weights)
        #expect(throws: ModelError.nonFiniteWeight(tensor: name, index: 1)) { try SequenceClassifier(contentsOf: folder) }
    }

    /// Sizes whose products (gates x hidden_size) could overflow are refused before any tensor is read.
    @Test func hugeManifestSizesAreRefused() throws {
        let folder = try scratchCopy(of: "digits-lstm")
        defer { try? FileManager.default.removeItem(at: folder) }
        let manifestURL = folder.appendingPathComponent("model.json")
        var manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: manifestURL)) as! [String: Any]
        manifest["hidden_size"] = 1 << 62
        try JSONSerialization.data(withJSONObject: manifest).write(to: manifestURL)
        #expect(throws: ModelError.invalidManifest("hidden_size must be >= 1 and <= 16777216, found \(1 << 62)")) {
            try SequenceClassifier(contentsOf: folder)
        }
    }

    @Test func missingTensorAndManifestErrors() throws {
        let folder = try scratchCopy(of: "digits-lstm")
        defer { try? FileManager.default.removeItem(at: folder) }
        let manifestURL = folder.appendingPathComponent("model.json")
        var manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: manifestURL)) as! [String: Any]
        manifest["head_prefix"] = "classifier."
        try JSONSerialization.data(withJSONObject: manifest).write(to: manifestURL)
        #expect(throws: ModelError.missingTensor("classifier.weight")) { try SequenceClassifier(contentsOf: folder) }
        manifest.removeValue(forKey: "num_classes")
        try JSONSerialization.data(withJSONObject: manifest).write(to: manifestURL)
        #expect(throws: ModelError.invalidManifest("missing key num_classes")) { try SequenceClassifier(contentsOf: folder) }
        #expect(throws: ModelError.cannotRead(path: "/nonexistent/model.json", reason: "file not found or unreadable")) {
            try SequenceClassifier(contentsOf: URL(fileURLWithPath: "/nonexistent"))
        }
    }

    /// Issue 12's bad model files: a reverse tensor missing, an unknown pooling, an MLP layer of the wrong
    /// width, a head given twice or ending in an activation: each one clear error.
    @Test func bidirectionalPoolingAndHeadErrors() throws {
        let folder = try scratchCopy(of: "digits-lstm")
        defer { try? FileManager.default.removeItem(at: folder) }
        let manifestURL = folder.appendingPathComponent("model.json")
        let original = try JSONSerialization.jsonObject(with: Data(contentsOf: manifestURL)) as! [String: Any]
        func load(_ changes: [String: Any], removing: [String] = []) throws {
            var manifest = original.merging(changes) { $1 }
            for key in removing { manifest.removeValue(forKey: key) }
            try JSONSerialization.data(withJSONObject: manifest).write(to: manifestURL)
            _ = try SequenceClassifier(contentsOf: folder)
        }
        #expect(throws: ModelError.missingTensor("rnn.weight_ih_l0_reverse")) { try load(["bidirectional": true]) }
        #expect(throws: ModelError.invalidManifest("bad value for pooling")) { try load(["pooling": "attention"]) }
        // fc.weight is 10 x 32: as the first of two layers it reads 32 but the second then reads 10, not 32.
        #expect(throws: ModelError.tensorShape(tensor: "fc.weight", expected: [10, 10], found: [10, 32])) {
            try load(["head": [["prefix": "fc.", "activation": "relu"], ["prefix": "fc."]]], removing: ["head_prefix"])
        }
        #expect(throws: ModelError.invalidManifest("give head_prefix or head, not both")) { try load(["head": [["prefix": "fc."]]]) }
        #expect(throws: ModelError.invalidManifest("the head's last layer outputs the logits and takes no activation")) {
            try load(["head": [["prefix": "fc.", "activation": "tanh"]]], removing: ["head_prefix"])
        }
        #expect(throws: ModelError.invalidManifest("give head_prefix or a non-empty head")) { try load([:], removing: ["head_prefix"]) }
        // The same head written as a one-layer list, with mean pooling, loads.
        try load(["head": [["prefix": "fc."]], "pooling": "mean"], removing: ["head_prefix"])
    }

    @Test func badInputsAreTypedErrors() throws {
        let digits = try SequenceClassifier(contentsOf: repositoryRoot.appendingPathComponent("examples/models/digits-lstm"))
        #expect(throws: ModelError.emptySequence) { try digits.sequence(for: .sequence([])) }
        #expect(throws: ModelError.wrongFeatureCount(step: 1, expected: 8, found: 3)) {
            try digits.sequence(for: .sequence([[Double](repeating: 0, count: 8), [0, 0, 0]]))
        }
        #expect(throws: ModelError.nonFiniteInput(step: 0, feature: 2)) {
            try digits.sequence(for: .sequence([[0, 0, .infinity, 0, 0, 0, 0, 0]]))
        }
        #expect(throws: ModelError.noEmbedding) { try digits.sequence(for: .tokens([1, 2])) }
        #expect(throws: ModelError.noVocabulary) { try digits.sequence(for: .text("hello")) }

        let news = try SequenceClassifier(contentsOf: repositoryRoot.appendingPathComponent("examples/models/news-lstm"))
        let size = news.embedding!.vocabularySize
        #expect(throws: ModelError.unknownToken(position: 1, id: size, vocabularySize: size)) {
            try news.sequence(for: .tokens([3, size]))
        }
        #expect(throws: ModelError.unknownToken(position: 0, id: -1, vocabularySize: size)) { try news.sequence(for: .tokens([-1])) }
        #expect(throws: ModelError.emptySequence) { try news.sequence(for: .text("  ...  ")) }
        // Unknown words map to the unknown token rather than failing.
        let ids = news.vocabulary!.encode("zzqxv football")
        #expect(ids.first == news.vocabulary!.unknownID)
    }

    @Test func tokenizerFollowsTheLowerAlnumRule() {
        #expect(Vocabulary.words(in: "U.S. Stocks rally, Dow's 2% gain!") == ["u", "s", "stocks", "rally", "dow's", "2", "gain"])
        #expect(Vocabulary.words(in: "") == [])
    }
}
