import Foundation
import AttentionKernels
import TensorCore

/// The shape of a BERT encoder, decoded from a Hugging Face `config.json` (`BertConfig`).
///
/// Missing keys take `BertConfig`'s defaults (BERT-base); all-MiniLM-L6-v2 sets 6 layers, width 384, 12 heads,
/// FFN 1536, LayerNorm ε 1e-12.
public struct BERTConfiguration: Codable, Sendable, Equatable {
    /// Token vocabulary size (`vocab_size`; default 30522).
    public var vocabularySize: Int
    /// C, the model width (`hidden_size`; default 768).
    public var hiddenSize: Int
    /// L, the number of encoder layers (`num_hidden_layers`; default 12).
    public var layerCount: Int
    /// H, attention heads per layer (`num_attention_heads`; default 12). C must be divisible by H.
    public var headCount: Int
    /// F, the feed-forward width (`intermediate_size`; default 3072).
    public var intermediateSize: Int
    /// The feed-forward activation (`hidden_act`; default `gelu`, the exact erf form).
    public var hiddenActivation: String
    /// The longest sequence the position table covers (`max_position_embeddings`; default 512).
    public var maxPositionEmbeddings: Int
    /// Number of segment types (`type_vocab_size`; default 2).
    public var typeVocabularySize: Int
    /// ε of every LayerNorm (`layer_norm_eps`; default 1e-12).
    public var layerNormEpsilon: Float
    /// Id of `[PAD]` (`pad_token_id`; default 0).
    public var paddingTokenID: Int
    /// Only `absolute` is supported (`position_embedding_type`; default `absolute`).
    public var positionEmbeddingType: String

    enum CodingKeys: String, CodingKey {
        case vocabularySize = "vocab_size"
        case hiddenSize = "hidden_size"
        case layerCount = "num_hidden_layers"
        case headCount = "num_attention_heads"
        case intermediateSize = "intermediate_size"
        case hiddenActivation = "hidden_act"
        case maxPositionEmbeddings = "max_position_embeddings"
        case typeVocabularySize = "type_vocab_size"
        case layerNormEpsilon = "layer_norm_eps"
        case paddingTokenID = "pad_token_id"
        case positionEmbeddingType = "position_embedding_type"
    }

    public init(vocabularySize: Int = 30522, hiddenSize: Int = 768, layerCount: Int = 12, headCount: Int = 12,
                intermediateSize: Int = 3072, hiddenActivation: String = "gelu", maxPositionEmbeddings: Int = 512,
                typeVocabularySize: Int = 2, layerNormEpsilon: Float = 1e-12, paddingTokenID: Int = 0,
                positionEmbeddingType: String = "absolute") {
        self.vocabularySize = vocabularySize
        self.hiddenSize = hiddenSize
        self.layerCount = layerCount
        self.headCount = headCount
        self.intermediateSize = intermediateSize
        self.hiddenActivation = hiddenActivation
        self.maxPositionEmbeddings = maxPositionEmbeddings
        self.typeVocabularySize = typeVocabularySize
        self.layerNormEpsilon = layerNormEpsilon
        self.paddingTokenID = paddingTokenID
        self.positionEmbeddingType = positionEmbeddingType
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = BERTConfiguration()
        vocabularySize = try c.decodeIfPresent(Int.self, forKey: .vocabularySize) ?? d.vocabularySize
        hiddenSize = try c.decodeIfPresent(Int.self, forKey: .hiddenSize) ?? d.hiddenSize
        layerCount = try c.decodeIfPresent(Int.self, forKey: .layerCount) ?? d.layerCount
        headCount = try c.decodeIfPresent(Int.self, forKey: .headCount) ?? d.headCount
        intermediateSize = try c.decodeIfPresent(Int.self, forKey: .intermediateSize) ?? d.intermediateSize
        hiddenActivation = try c.decodeIfPresent(String.self, forKey: .hiddenActivation) ?? d.hiddenActivation
        maxPositionEmbeddings = try c.decodeIfPresent(Int.self, forKey: .maxPositionEmbeddings) ?? d.maxPositionEmbeddings
        typeVocabularySize = try c.decodeIfPresent(Int.self, forKey: .typeVocabularySize) ?? d.typeVocabularySize
        layerNormEpsilon = try c.decodeIfPresent(Float.self, forKey: .layerNormEpsilon) ?? d.layerNormEpsilon
        paddingTokenID = try c.decodeIfPresent(Int.self, forKey: .paddingTokenID) ?? d.paddingTokenID
        positionEmbeddingType = try c.decodeIfPresent(String.self, forKey: .positionEmbeddingType) ?? d.positionEmbeddingType
    }

    /// D = C / H, the width of one head.
    public var headDimension: Int { hiddenSize / headCount }

    /// The feed-forward activation as the kernels name it.
    /// - Throws: ``ModelError`` `.invalid` for activations this encoder does not implement.
    public func activation(file: String = "config.json") throws(ModelError) -> Activation {
        switch hiddenActivation {
        case "gelu": return .gelu
        case "gelu_new", "gelu_pytorch_tanh": return .geluTanh
        case "relu": return .relu
        case "silu", "swish": return .silu
        default:
            throw ModelError(.invalid, "\(file): hidden_act '\(hiddenActivation)' is not supported (gelu, gelu_new, relu, silu).")
        }
    }

    /// Reads and checks a `config.json`.
    /// - Throws: ``ModelError`` `.invalid` when the file is missing, not JSON, or describes an unusable shape.
    public static func load(contentsOf url: URL) throws(ModelError) -> BERTConfiguration {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ModelError(.invalid, "\(url.path) cannot be read (\(error.localizedDescription)); a BERT model folder "
                + "needs config.json next to model.safetensors.")
        }
        let configuration: BERTConfiguration
        do { configuration = try JSONDecoder().decode(BERTConfiguration.self, from: data) } catch {
            throw ModelError(.invalid, "\(url.path) is not a valid BERT config.json: \(error)")
        }
        try configuration.validate(file: url.path)
        return configuration
    }

    /// Checks the values that the encoder relies on.
    public func validate(file: String = "config.json") throws(ModelError) {
        func fail(_ problem: String) -> ModelError { ModelError(.invalid, "\(file): \(problem)") }
        guard hiddenSize > 0, headCount > 0, hiddenSize % headCount == 0 else {
            throw fail("hidden_size \(hiddenSize) must be a positive multiple of num_attention_heads \(headCount).")
        }
        guard layerCount > 0, intermediateSize > 0, vocabularySize > 0, maxPositionEmbeddings > 0, typeVocabularySize > 0 else {
            throw fail("num_hidden_layers, intermediate_size, vocab_size, max_position_embeddings and type_vocab_size must be positive.")
        }
        guard positionEmbeddingType == "absolute" else {
            throw fail("position_embedding_type '\(positionEmbeddingType)' is not supported; only 'absolute'.")
        }
        guard layerNormEpsilon >= 0 else { throw fail("layer_norm_eps must not be negative.") }
        _ = try activation(file: file)
    }
}
