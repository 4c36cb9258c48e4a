import Foundation
import SequenceModels
import SwiftProtobuf

/// Reads an ONNX file made by `torch.onnx.export` of a supported classifier and returns the model
/// folder that describes it (`ImportedClassifier.write(to:)`).
///
/// The graph is evaluated for one sequence length: the shape plumbing around recurrent nodes becomes
/// constants, and every value that depends on the input is tracked element by element
/// (`ElementTable`), so each stage is recognised from what it reads, not from the exporter's node
/// patterns. The input must be batch first, `[batch, time, features]` floats or `[batch, time]` token ids,
/// with a batch of 1 or a dynamic one.
public enum ONNXImporter {
    /// The sequence length a dynamic time axis is evaluated at: two steps at least tell the first step
    /// from the last; three also keep the middle apart.
    static let dynamicSteps = 3

    public static func read(contentsOf url: URL) throws(ONNXImportError) -> ImportedClassifier {
        let bytes: Data
        do {
            bytes = try Data(contentsOf: url)
        } catch {
            throw .cannotRead(path: url.path, reason: "file not found or unreadable")
        }
        return try read(bytes: bytes, source: url.lastPathComponent)
    }

    /// `source` names the file in the manifest's `imported_from`.
    public static func read(bytes: Data, source: String) throws(ONNXImportError) -> ImportedClassifier {
        let model: Onnx_ModelProto
        do {
            model = try Onnx_ModelProto(serializedBytes: bytes)
        } catch {
            throw .notONNX("protobuf decoding failed (\(error)); is the file truncated?")
        }
        guard model.irVersion > 0, model.hasGraph, !model.graph.node.isEmpty else {
            throw .notONNX("the file holds no graph (\(bytes.count) bytes)")
        }
        // The opset list is written after the graph: a file cut just after the graph still decodes.
        guard model.opsetImport.contains(where: { ($0.domain.isEmpty || $0.domain == "ai.onnx") && $0.version > 0 }) else {
            throw .notONNX("the file declares no opset for the standard operators (truncated?)")
        }
        let graph = model.graph
        var constants: [String: GraphValue] = [:]
        for initializer in graph.initializer {
            do {
                constants[initializer.name] = try TensorDecoding.value(of: initializer)
            } catch {
                throw .invalidTensor(name: initializer.name, detail: error.detail)
            }
        }
        let inputs = graph.input.filter { constants[$0.name] == nil }
        guard inputs.count == 1, let input = inputs.first else {
            throw .unsupportedGraph("\(inputs.count) graph inputs; a classifier reads one (the sequence)")
        }
        guard graph.output.count == 1, let output = graph.output.first else {
            throw .unsupportedGraph("\(graph.output.count) graph outputs; a classifier has one (the logits)")
        }
        let (steps, width) = try inputShape(input)
        let recogniser = ClassifierRecogniser(steps: steps, featureWidth: width)
        let inputValue: GraphValue
        do {
            inputValue = .symbolic(try ShapedArray(shape: width.map { [1, steps, $0] } ?? [1, steps], elements: recogniser.input.ids))
        } catch {
            throw .unsupportedGraph("input \(input.name): \(error.detail)")
        }
        var interpreter = GraphInterpreter(constants: constants, inputName: input.name, input: inputValue, recogniser: recogniser)
        try interpreter.run(neededNodes(graph, output: output.name))
        guard case .symbolic(let logits)? = interpreter.value(output.name) else {
            throw .unsupportedGraph("the output \(output.name) does not depend on the input")
        }
        return try interpreter.recogniser.result(output: logits, source: source)
    }

    /// (time steps to evaluate, features per step or nil for token ids) from the graph input's type.
    private static func inputShape(_ input: Onnx_ValueInfoProto) throws(ONNXImportError) -> (Int, Int?) {
        let type = input.type.tensorType
        let dimensions: [Int?] = type.shape.dim.map { dimension in
            if case .dimValue(let value)? = dimension.value, value > 0, value <= Int64(ModelManifest.maxSize) { return Int(value) }
            return nil  // a named (dynamic) or unusable dimension
        }
        let isFloat = [Onnx_TensorProto.DataType.float.rawValue, Onnx_TensorProto.DataType.double.rawValue].contains(Int(type.elemType))
        let isInteger = [Onnx_TensorProto.DataType.int64.rawValue, Onnx_TensorProto.DataType.int32.rawValue].contains(Int(type.elemType))
        guard (isFloat && dimensions.count == 3) || (isInteger && dimensions.count == 2) else {
            throw .unsupportedGraph("input \(input.name) is neither [batch, time, features] floats nor [batch, time] token ids")
        }
        guard dimensions[0] == nil || dimensions[0] == 1 else {
            throw .unsupportedGraph("input \(input.name) has a fixed batch of \(dimensions[0] ?? 0); export with a batch of 1 or a dynamic one (batch first)")
        }
        if isFloat {
            guard let width = dimensions[2] else { throw .unsupportedGraph("input \(input.name) has no fixed feature count") }
            return (dimensions[1] ?? dynamicSteps, width)
        }
        return (dimensions[1] ?? dynamicSteps, nil)
    }

    /// The nodes the output depends on, in the graph's order: an exporter's leftovers (an unused
    /// ArgMax of max(), a returned state nobody reads) are neither evaluated nor refused.
    private static func neededNodes(_ graph: Onnx_GraphProto, output: String) -> [Onnx_NodeProto] {
        var producer: [String: Int] = [:]
        for (index, node) in graph.node.enumerated() {
            for name in node.output where !name.isEmpty { producer[name] = index }
        }
        var needed = Set<Int>(), pending = [output]
        while let name = pending.popLast() {
            guard let index = producer[name], needed.insert(index).inserted else { continue }
            pending += graph.node[index].input.filter { !$0.isEmpty }
        }
        return graph.node.enumerated().filter { needed.contains($0.offset) }.map(\.element)
    }
}
