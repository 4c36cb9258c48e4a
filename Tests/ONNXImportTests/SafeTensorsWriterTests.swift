import Foundation
import Testing
import SequenceModels

@Suite("Safetensors writing")
struct SafeTensorsWriterTests {
    @Test func readerLoadsWhatTheWriterWrites() throws {
        let tensors = [SafeTensorsWriter.Tensor(name: "rnn.weight_ih_l0", shape: [2, 3], values: [1, -2.5, 0, 3e-8, 7, 0.1]),
                       SafeTensorsWriter.Tensor(name: "fc.bias", shape: [1], values: [-4])]
        let bytes = try SafeTensorsWriter.f32(tensors, metadata: ["format": "pt"])
        let file = try SafeTensorsFile(bytes: bytes)
        #expect(file.metadata == ["format": "pt"])
        // Header padded so the data starts on an 8-byte boundary.
        #expect((bytes.count - 4 * 7) % 8 == 0)
        for tensor in tensors {
            #expect(file.tensors[tensor.name]?.dtype == .f32)
            #expect(try file.tensor(tensor.name, shape: tensor.shape) == tensor.values.map { Double(Float($0)) })
        }
    }

    @Test func refusesWhatTheReaderWouldRefuse() {
        #expect(throws: ModelError.nonFiniteWeight(tensor: "w", index: 1)) {
            try SafeTensorsWriter.f32([.init(name: "w", shape: [2], values: [0, 1e39])])
        }
        #expect(throws: ModelError.tensorShape(tensor: "w", expected: [3], found: [2, 2])) {
            try SafeTensorsWriter.f32([.init(name: "w", shape: [2, 2], values: [1, 2, 3])])
        }
        #expect(throws: ModelError.corruptSafetensors("tensor name w is used twice")) {
            try SafeTensorsWriter.f32([.init(name: "w", shape: [1], values: [1]), .init(name: "w", shape: [1], values: [2])])
        }
    }
}
