import Foundation
import SequenceModels

// A model folder's two JSON files: the same input is tried as model.json (decoding and validation)
// and as vocab.json (a JSON list of tokens), whose unknown token comes from the manifest when it decodes.
// The tokenizer then runs once, since Vocabulary builds its lookup table from the fuzzed tokens.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    let manifest = try? ModelManifest(data: bytes)
    if let tokens = try? JSONDecoder().decode([String].self, from: bytes),
       let vocabulary = try? Vocabulary(tokens: tokens, unknownToken: manifest?.unknownToken ?? tokens.first ?? "<unk>") {
        _ = vocabulary.encode("the quick brown fox's 42 jumps")
    }
    return 0
}
