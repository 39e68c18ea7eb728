import Foundation
import AttentionKernels
import TensorCore

/// The hyper-parameters of a Llama-architecture decoder, read from GGUF metadata (`<arch>.*` keys).
///
/// Defaults are SmolLM2-135M's. `CodingKeys` are the GGUF key names without the architecture prefix.
public struct LlamaConfiguration: Codable, Sendable, Equatable {
    /// Model width C (`embedding_length`, 576).
    public var hiddenSize = 576
    /// SwiGLU hidden width F (`feed_forward_length`, 1536).
    public var intermediateSize = 1536
    /// Decoder blocks L (`block_count`, 30).
    public var layerCount = 30
    /// Query heads H (`attention.head_count`, 9).
    public var headCount = 9
    /// Key/value heads G, dividing H (`attention.head_count_kv`, 3).
    public var keyValueHeadCount = 3
    /// Vocabulary V (`vocab_size`, 49152).
    public var vocabularySize = 49_152
    /// The longest sequence the model was trained for (`context_length`, 8192).
    public var contextLength = 8192
    /// RoPE base frequency (`rope.freq_base`, 1e5 for SmolLM2; 1e4 when absent).
    public var ropeBase: Float = 100_000
    /// RMSNorm ε (`attention.layer_norm_rms_epsilon`, 1e-5).
    public var rmsNormEpsilon: Float = 1e-5

    /// D = C / H (64).
    public var headDimension: Int { hiddenSize / headCount }

    enum CodingKeys: String, CodingKey {
        case hiddenSize = "embedding_length"
        case intermediateSize = "feed_forward_length"
        case layerCount = "block_count"
        case headCount = "attention.head_count"
        case keyValueHeadCount = "attention.head_count_kv"
        case vocabularySize = "vocab_size"
        case contextLength = "context_length"
        case ropeBase = "rope.freq_base"
        case rmsNormEpsilon = "attention.layer_norm_rms_epsilon"
    }

    public init() {}

    /// Reads `<arch>.*` metadata, where `<arch>` is `general.architecture` (`llama`).
    /// - Throws: `FileFormatError` when a required key is missing or the heads do not divide the width.
    public init(gguf: GGUFFile) throws {
        let arch = gguf.metadata["general.architecture"]?.string ?? "llama"
        func key(_ k: CodingKeys) -> String { "\(arch).\(k.rawValue)" }
        hiddenSize = try gguf.integer(key(.hiddenSize))
        intermediateSize = try gguf.integer(key(.intermediateSize))
        layerCount = try gguf.integer(key(.layerCount))
        headCount = try gguf.integer(key(.headCount))
        keyValueHeadCount = gguf.metadata[key(.keyValueHeadCount)]?.int ?? headCount
        contextLength = gguf.metadata[key(.contextLength)]?.int ?? 2048
        ropeBase = gguf.metadata[key(.ropeBase)]?.float ?? 10_000
        rmsNormEpsilon = try gguf.float(key(.rmsNormEpsilon))
        let embedding = gguf.tensor(named: "token_embd.weight")
        vocabularySize = gguf.metadata[key(.vocabularySize)]?.int
            ?? gguf.metadata["tokenizer.ggml.tokens"]?.stringArray?.count ?? embedding?.shape.first ?? 0
        guard headCount > 0, keyValueHeadCount > 0, hiddenSize % headCount == 0, headCount % keyValueHeadCount == 0,
              headDimension % 2 == 0, layerCount > 0, vocabularySize > 0 else {
            throw FileFormatError(.badHeader, file: gguf.path, problem: "has an inconsistent Llama configuration: width "
                + "\(hiddenSize), \(headCount) heads, \(keyValueHeadCount) key/value heads, \(layerCount) blocks, "
                + "vocabulary \(vocabularySize).")
        }
    }
}

extension QuantizedMatrix {
    /// The GGUF tensor `name` (`[rows, columns]`, stored `[columns, rows]` fastest first) as a matrix that reads
    /// the file's bytes in place. F16 and BF16 matrices are widened to F32 in memory.
    /// - Throws: `FileFormatError` when the tensor is missing, not two-dimensional, not `[rows, columns]` when
    ///   `shape` is given, or stored in a type the kernels do not read.
    public init(gguf: GGUFFile, tensor name: String, shape: [Int]? = nil) throws {
        guard let info = gguf.tensor(named: name) else {
            throw FileFormatError(.missingEntry, file: gguf.path, problem: "has no tensor named '\(name)'.")
        }
        guard info.shape.count == 2, shape == nil || info.shape == shape! else {
            throw FileFormatError(.invalidShape, file: gguf.path, problem: "has tensor '\(name)' of shape \(info.shape); "
                + "expected \(shape.map { "\($0)" } ?? "a matrix").")
        }
        let (rows, columns) = (info.shape[0], info.shape[1])
        switch info.type {
        case .q4_1: self.init(format: .q4_1, rows: rows, columns: columns, bytes: gguf.tensorData(info))
        case .q4_0: self.init(format: .q4_0, rows: rows, columns: columns, bytes: gguf.tensorData(info))
        case .q8_0: self.init(format: .q8_0, rows: rows, columns: columns, bytes: gguf.tensorData(info))
        case .f32: self.init(format: .f32, rows: rows, columns: columns, bytes: gguf.tensorData(info))
        case .f16, .bf16:
            let widened = try gguf.dequantized(info)
            self.init(format: .f32, rows: rows, columns: columns, bytes: widened.scalars.withUnsafeBytes { Data($0) })
        default:
            throw FileFormatError(.unsupportedDType, file: gguf.path, problem: "has tensor '\(name)' in \(info.type); "
                + "the quantized kernels read Q4_0, Q4_1, Q8_0, F32, F16 and BF16.")
        }
    }
}
