import Foundation
import Testing
@testable import ONNXImport
import SequenceModels

let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

/// `NAME.json` beside each fixture: the model.json the import must write and PyTorch's logits.
struct FixtureRecord: Decodable {
    struct Input: Decodable {
        let sequence: [[Double]]?
        let tokens: [Int]?
        let logits: [Double]
    }
    let inputs: [Input]
}

/// Every ONNX file that must import: both exporters for every model, the dynamo exports of nn.RNN
/// (the cell unrolled for 4 steps) included.
let importable: [String] = {
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: fixtures.path)) ?? [])
        .filter { $0.hasSuffix(".json") }.map { String($0.dropLast(".json".count)) }.sorted()
    return names.flatMap { name in ["\(name).onnx", "\(name).dynamo.onnx"] }
}()

func modelName(_ file: String) -> String {
    String(file.split(separator: ".").first ?? "")
}

func temporaryFolder() -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("onnx-import-\(UUID().uuidString)")
}

func jsonObject(_ url: URL) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
}

@Suite("ONNX import")
struct ImportTests {
    @Test func everyModelShapeHasAFixture() {
        // LSTM, GRU, RNN (relu, tanh), 2 layers, bidirectional, embedding, last/mean/max pooling, MLP heads;
        // for nn.RNN's unrolled dynamo export also stacked bidirectional layers on an embedding.
        #expect(importable.count == 20, "\(importable)")
    }

    /// The folder holds the documented manifest and exactly PyTorch's state_dict: every tensor under
    /// its PyTorch name and shape, bit for bit (gate blocks reordered from ONNX's i,o,f,c and z,r,h).
    @Test(arguments: importable)
    func writesPyTorchsTensorsAndManifest(file: String) throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try ONNXImporter.read(contentsOf: fixtures.appendingPathComponent(file)).write(to: folder)
        var written = try jsonObject(folder.appendingPathComponent("model.json"))
        #expect(written.removeValue(forKey: "imported_from") as? String == file)
        let expected = try #require(try jsonObject(fixtures.appendingPathComponent("\(modelName(file)).json"))["manifest"] as? [String: Any])
        #expect(NSDictionary(dictionary: written) == NSDictionary(dictionary: expected), "\(written) vs \(expected)")

        let tensors = try SafeTensorsFile(contentsOf: folder.appendingPathComponent("model.safetensors"))
        let reference = try SafeTensorsFile(contentsOf: fixtures.appendingPathComponent("\(modelName(file)).reference.safetensors"))
        #expect(Set(tensors.tensors.keys) == Set(reference.tensors.keys))
        for (name, info) in reference.tensors {
            #expect(try tensors.tensor(name, shape: info.shape) == reference.values(of: name), "\(file): \(name)")
        }
    }

    /// Every importable file runs end to end (bidirectional, pooled and MLP-headed ones included): the
    /// imported folder's logits are PyTorch's. The inputs are 1, 4 and 9 steps long, so the dynamo
    /// exports of nn.RNN, unrolled for 4 steps, also run at lengths they were not unrolled for.
    @Test(arguments: importable)
    func importedFolderReproducesPyTorchsLogits(file: String) throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try ONNXImporter.read(contentsOf: fixtures.appendingPathComponent(file)).write(to: folder)
        let model = try SequenceClassifier(contentsOf: folder)
        let record = try JSONDecoder().decode(FixtureRecord.self, from: Data(contentsOf: fixtures.appendingPathComponent("\(modelName(file)).json")))
        #expect(record.inputs.count == 3)
        for input in record.inputs {
            let sequence = try model.sequence(for: input.sequence.map(ModelInput.sequence) ?? .tokens(try #require(input.tokens)))
            let logits = try model.logits(sequence)
            #expect(logits.count == input.logits.count)
            for (mine, theirs) in zip(logits, input.logits) {
                #expect(abs(mine - theirs) <= 1e-5 * max(1, abs(theirs)), "\(file): \(mine) vs \(theirs)")
            }
        }
    }

    @Test func unsupportedOpIsNamedWithItsNode() throws {
        let error = try importError("softmax.onnx")
        #expect(error == .unsupportedNode(name: "/Softmax", op: "Softmax", detail: error.detail))
        #expect(error.description.hasPrefix("ONNX node '/Softmax' (Softmax): op Softmax is not supported"))
    }

    @Test func gruWithLinearBeforeResetZeroIsRefused() throws {
        let error = try importError("gru-lbr0.onnx")
        #expect(error == .unsupportedNode(name: "/rnn/GRU", op: "GRU", detail: error.detail))
        #expect(error.description.contains("linear_before_reset = 0"))
    }

    /// Found by FuzzONNX (docs/reliability.md): a mutated gru-hn.onnx whose ConstantOfShape asks for 2^26
    /// elements took over 10 s and 512 MB before it was refused. Broadcasts are now capped, so it fails fast.
    @Test func hugeConstantOfShapeIsRefusedQuickly() throws {
        let start = ContinuousClock.now
        let error = try importError("fuzz-timeout-constant-of-shape.onnx")
        #expect(error.description.contains("would create"), "\(error)")
        #expect(ContinuousClock.now - start < .seconds(2))
    }

    @Test func broadcastMayNotCreateMoreThanItsCap() throws {
        let scalar = ShapedArray<Double>(scalar: 0)
        #expect(throws: NodeProblem.self) { try scalar.broadcast(to: [1 << 13, 1 << 13]) }
        #expect(try scalar.broadcast(to: [4, 8]).elements.count == 32)
    }

    /// The dynamo exporter unrolls nn.RNN into per-step MatMul / Add / Relu nodes: an unrolled cell whose
    /// third step multiplies h by another W_hh than the second is no RNN layer, and is refused at that
    /// step's MatMul rather than imported with either weight.
    @Test func unrolledCellWithDifferentStepWeightsIsRefusedByNode() throws {
        var model = try Onnx_ModelProto(serializedBytes: Data(contentsOf: fixtures.appendingPathComponent("rnn-relu.dynamo.onnx")))
        // W_hh^T is the initializer the hidden-state MatMuls share; the third step's gets a copy with one
        // element changed.
        let matMuls = model.graph.node.indices.filter { model.graph.node[$0].opType == "MatMul" }
        #expect(matMuls.count == 4)  // the input product, then W_hh at steps 1, 2, 3
        let third = matMuls[2]
        let shared = model.graph.node[third].input[1]
        var copy = try #require(model.graph.initializer.first { $0.name == shared })
        #expect(copy.dataType == Onnx_TensorProto.DataType.float.rawValue && copy.rawData.count >= 4)
        copy.name = shared + "_changed"
        var bytes = copy.rawData
        bytes[bytes.startIndex + 3] ^= 0x01  // the first float's sign bit
        copy.rawData = bytes
        model.graph.initializer.append(copy)
        model.graph.node[third].input[1] = copy.name
        let name = model.graph.node[third].name

        let error = try importError(bytes: try model.serializedBytes())
        #expect(error == .unsupportedNode(name: name, op: "MatMul", detail: error.detail))
        #expect(error.description.contains("same weights at every step"), "\(error)")
    }

    /// A head that reads an unrolled cell before every step ran (here: the second step's output, as if
    /// the graph were cut short) is refused rather than imported as a shorter layer.
    @Test func unrolledCellReadBeforeItsLastStepIsRefused() throws {
        var model = try Onnx_ModelProto(serializedBytes: Data(contentsOf: fixtures.appendingPathComponent("rnn-relu.dynamo.onnx")))
        let relus = model.graph.node.filter { $0.opType == "Relu" }
        #expect(relus.count == 4)
        let head = try #require(model.graph.node.firstIndex { $0.opType == "Gemm" })
        model.graph.node[head].input[0] = relus[1].output[0]
        let error = try importError(bytes: try model.serializedBytes())
        #expect(error == .unsupportedNode(name: model.graph.node[head].name, op: "Gemm", detail: error.detail))
        #expect(error.description.contains("after 2 of its 4 steps"), "\(error)")
    }

    /// When a graph adds b_ih + b_hh as one constant to the sum of both products, only the sum is in it:
    /// it is written as bias_ih with zeros as bias_hh (the cell only uses the sum), while a step whose
    /// bias differs from the first step's is refused.
    @Test func unrolledCellWithOnlyTheBiasSumWritesItAsBiasIH() throws {
        typealias Term = UnrolledRecurrentLayer.Term
        func step(_ base: Int) -> ElementTable.Block { ElementTable.Block(source: .unrolledStep, base: base, count: 1) }
        var layer = UnrolledRecurrentLayer(steps: 2, input: [0, 1], inputSize: 1, hiddenSize: 1)
        let weightIH = layer.addWeight([2])
        var first = Term(unit: 0, input: .init(step: 0, weight: weightIH))
        first.add(0.75)  // h_0 = 0: the first step's constant is the whole bias
        try layer.addStep([first], .tanh, output: step(10))
        let weightHH = try layer.hiddenWeight(direction: 0, [3])
        let product = Term(unit: 0, hidden: .init(direction: 0, step: 0, weight: weightHH))
        var second = try Term(unit: 0, input: .init(step: 1, weight: weightIH)) + product
        var wrong = second
        second.add(0.75)
        wrong.add(0.5)
        var refusing = layer
        #expect(throws: NodeProblem.self) { try refusing.addStep([wrong], .tanh, output: step(11)) }
        try layer.addStep([second], .tanh, output: step(11))
        let imported = try layer.imported(output: ElementTable.Block(source: .layer(0), base: 20, count: 2))
        let biases = try #require(imported.directions.first?.biases)
        #expect(biases.ih == [0.75] && biases.hh == [0])
        #expect(imported.directions.first?.weightIH == [2] && imported.directions.first?.weightHH == [3])
    }

    /// A file cut anywhere gives one line, never a crash and never a model.
    @Test func truncatedFileGivesOneClearLine() throws {
        let bytes = try Data(contentsOf: fixtures.appendingPathComponent("lstm.onnx"))
        for length in stride(from: 0, to: bytes.count, by: 37) {
            do {
                _ = try ONNXImporter.read(bytes: bytes.prefix(length), source: "cut.onnx")
                Issue.record("a file cut at \(length) of \(bytes.count) bytes imported")
            } catch {
                #expect(!error.description.contains("\n"))
            }
        }
        let error = try importError(bytes: bytes.prefix(bytes.count / 2))
        #expect(error.description.hasPrefix("not a readable ONNX model: protobuf decoding failed"), "\(error)")
    }

    @Test func garbageIsNotONNX() throws {
        let error = try importError(bytes: Data("{\"architecture\": \"lstm\"}".utf8))
        guard case .notONNX = error else { Issue.record("\(error)"); return }
    }

    /// Dimensions and byte counts from the file are range-checked before anything is allocated.
    @Test func hostileInitializersAreRefused() throws {
        let model = try Onnx_ModelProto(serializedBytes: Data(contentsOf: fixtures.appendingPathComponent("lstm.onnx")))
        var wide = model, huge = model, short = model
        wide.graph.initializer[0].dims = [1 << 40]
        huge.graph.initializer[0].dims = [1 << 20, 1 << 20, 1 << 20]  // each in range, the product not
        short.graph.initializer[0].rawData = short.graph.initializer[0].rawData.prefix(5)
        let name = model.graph.initializer[0].name
        for (variant, detail) in [(wide, "dimension 1099511627776 is out of range"), (huge, "more than 67108864 elements"),
                                  (short, "raw_data holds 5 bytes")] {
            let error = try importError(bytes: try variant.serializedBytes())
            guard case .invalidTensor(name, let found) = error else { Issue.record("\(error)"); continue }
            #expect(found.contains(detail), "\(found)")
        }
    }

    func importError(_ file: String) throws -> ONNXImportError {
        try importError(bytes: Data(contentsOf: fixtures.appendingPathComponent(file)))
    }

    func importError(bytes: Data) throws -> ONNXImportError {
        do {
            _ = try ONNXImporter.read(bytes: bytes, source: "test.onnx")
        } catch {
            return error
        }
        throw ImportSucceeded()
    }

    struct ImportSucceeded: Error {}
}

extension ONNXImportError {
    var detail: String {
        if case let .unsupportedNode(_, _, detail) = self { return detail }
        return description
    }
}
