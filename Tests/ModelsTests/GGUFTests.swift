import Foundation
import Testing
@testable import Models
import TensorCore
import _TestSupport

/// The real SmolLM2 GGUF, opened once for every test that needs it.
enum SmolLM2GGUF {
    static let url = TestModels.cacheDirectory.appendingPathComponent("smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")
    private static let loaded: Result<GGUFFile, any Error> = Result { try GGUFFile(contentsOf: url) }

    /// The opened file; a missing model fails the calling test with instructions.
    static func file() throws -> GGUFFile {
        try #require(FileManager.default.fileExists(atPath: url.path),
                     "SmolLM2 model not found at \(url.path); run `python3 tools/fetch_models.py smollm2`")
        return try loaded.get()
    }
}

/// Golden values written by `tools/make_gguf_golden.py` (Python `gguf` dequantizer).
private struct DequantGolden: Decodable {
    struct Entry: Decodable {
        let name: String
        let type: String
        let shape: [Int]
        let first: [Float]
        let last: [Float]
    }
    let tensors: [Entry]
}

@Suite("GGUF reader on SmolLM2-135M-Instruct")
struct GGUFModelTests {
    @Test func metadata() throws {
        let gguf = try SmolLM2GGUF.file()
        #expect(gguf.version == 3)
        #expect(gguf.metadata["general.architecture"]?.string == "llama")
        #expect(gguf.metadata["llama.block_count"]?.int == 30)
        #expect(gguf.metadata["llama.embedding_length"]?.int == 576)
        #expect(gguf.metadata["llama.feed_forward_length"]?.int == 1536)
        #expect(gguf.metadata["llama.attention.head_count"]?.int == 9)
        #expect(gguf.metadata["llama.attention.head_count_kv"]?.int == 3)
        #expect(gguf.metadata["llama.rope.freq_base"]?.float == 100_000)
        #expect(gguf.metadata["llama.vocab_size"]?.int == 49152)
        #expect(gguf.metadata["llama.attention.layer_norm_rms_epsilon"]?.float == Float(1e-5))
        #expect(gguf.metadata["tokenizer.ggml.pre"]?.string == "smollm")
        #expect(gguf.metadata["tokenizer.ggml.add_bos_token"]?.bool == false)
        #expect(gguf.metadata["tokenizer.ggml.tokens"]?.stringArray?.count == 49152)
        #expect(gguf.metadata["tokenizer.ggml.merges"]?.stringArray?.count == 48900)
        #expect(gguf.metadata["general.languages"]?.stringArray == ["en"])
        #expect(gguf.metadataKeys.count == 33)
        #expect(gguf.metadataKeys.first == "general.architecture")
        #expect(gguf.alignment == 32)
        #expect(try gguf.integer("llama.attention.head_count_kv") == 3)
        #expect(try gguf.float("llama.rope.freq_base") == 100_000)
        #expect(try gguf.string("general.architecture") == "llama")
        let wrongType = try #require(throws: FileFormatError.self) { try gguf.integer("general.architecture") }
        #expect(wrongType.kind == .typeMismatch)
        let missing = try #require(throws: FileFormatError.self) { try gguf.float("llama.rope.scaling") }
        #expect(missing.kind == .missingEntry)
    }

    @Test func tensorTable() throws {
        let gguf = try SmolLM2GGUF.file()
        #expect(gguf.tensors.count == 272)
        let counts = Dictionary(grouping: gguf.tensors, by: \.type).mapValues(\.count)
        #expect(counts == [.q4_1: 210, .f32: 61, .q8_0: 1])
        let embedding = try #require(gguf.tensor(named: "token_embd.weight"))
        #expect(embedding.type == .q8_0)
        #expect(embedding.dimensions == [576, 49152])
        #expect(embedding.shape == [49152, 576])
        #expect(embedding.byteCount == 49152 * 576 / 32 * 34)
        #expect(embedding.byteRange.lowerBound == gguf.dataSectionOffset)
        #expect(gguf.dataSectionOffset == 1_785_664)
        #expect(gguf.tensor(named: "blk.29.ffn_down.weight")?.shape == [576, 1536])
        #expect(gguf.tensor(named: "output_norm.weight")?.type == .f32)
        #expect(gguf.tensors.allSatisfy { $0.byteRange.upperBound <= gguf.data.count })
        #expect(gguf.tensorData(embedding).count == embedding.byteCount)
    }

    @Test func dequantizationMatchesGolden() throws {
        let gguf = try SmolLM2GGUF.file()
        let url = GoldenFiles.directory("gguf", in: Bundle.module).appendingPathComponent("dequant_golden.json")
        let golden = try JSONDecoder().decode(DequantGolden.self, from: Data(contentsOf: url))
        #expect(golden.tensors.count == 3)
        for entry in golden.tensors {
            let info = try #require(gguf.tensor(named: entry.name))
            #expect(info.type.description == entry.type)
            let tensor = try gguf.dequantized(info)
            #expect(tensor.shape == entry.shape)
            let first = Array(tensor.scalars.prefix(64))
            let last = Array(tensor.scalars.suffix(64))
            for (got, want) in zip(first + last, entry.first + entry.last) {
                #expect(abs(got - want) <= 1e-6, "\(entry.name): \(got) vs \(want)")
            }
        }
    }

    @Test func dotMatchesDequantizedRow() throws {
        let gguf = try SmolLM2GGUF.file()
        for name in ["token_embd.weight", "blk.3.attn_v.weight", "blk.3.ffn_norm.weight"] {
            let info = try #require(gguf.tensor(named: name))
            let rowLength = info.dimensions[0]
            let vector = (0..<rowLength).map { Float(($0 * 37) % 11) / 11 - 0.5 }
            let row = 7
            gguf.withUnsafeTensorBytes(info) { bytes in
                let start = bytes.baseAddress! + row * info.type.byteCount(elements: rowLength)
                var values = [Float](repeating: 0, count: rowLength)
                values.withUnsafeMutableBufferPointer {
                    GGUFQuantization.dequantizeRow(type: info.type, bytes: start, count: rowLength, into: $0.baseAddress!)
                }
                let expected = zip(values, vector).reduce(Float(0)) { $0 + $1.0 * $1.1 }
                let got = vector.withUnsafeBufferPointer {
                    GGUFQuantization.dot(type: info.type, bytes: start, vector: $0.baseAddress!, count: rowLength)
                }
                #expect(abs(got - expected) <= 1e-4 * max(1, abs(expected)), "\(name): \(got) vs \(expected)")
            }
        }
    }

    @Test func missingTensorSuggestsNames() throws {
        let gguf = try SmolLM2GGUF.file()
        let error = try #require(throws: FileFormatError.self) { try gguf.dequantized("blk.0.attn_q.weights") }
        #expect(error.kind == .missingEntry)
        #expect(error.problem.contains("blk.0.attn_q.weight'"))
    }
}
