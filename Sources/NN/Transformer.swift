import AttentionKernels
import TensorCore

/// The sizes of an encoder-decoder transformer, with `torch.nn.Transformer`'s argument names as coding keys.
public struct TransformerConfiguration: Codable, Sendable, Equatable {
    /// C, the model width (`d_model`; 512 in the paper).
    public var modelDimension: Int
    /// H, attention heads per layer (`nhead`; 8).
    public var headCount: Int
    /// Encoder layers (`num_encoder_layers`; 6).
    public var encoderLayerCount: Int
    /// Decoder layers (`num_decoder_layers`; 6).
    public var decoderLayerCount: Int
    /// F, the feed-forward hidden width (`dim_feedforward`; 2048).
    public var feedForwardDimension: Int
    /// The feed-forward activation (`activation`; relu).
    public var activation: Activation
    /// Pre- or post-norm (`norm_first`; post, as the paper).
    public var normPlacement: NormPlacement
    /// ε of every LayerNorm (`layer_norm_eps`; 1e-5).
    public var layerNormEpsilon: Float

    public init(modelDimension: Int = 512, headCount: Int = 8, encoderLayerCount: Int = 6, decoderLayerCount: Int = 6,
                feedForwardDimension: Int = 2048, activation: Activation = .relu, normPlacement: NormPlacement = .post,
                layerNormEpsilon: Float = 1e-5) {
        precondition(modelDimension % headCount == 0, "TransformerConfiguration: d_model \(modelDimension) is not divisible by \(headCount) heads")
        self.modelDimension = modelDimension
        self.headCount = headCount
        self.encoderLayerCount = encoderLayerCount
        self.decoderLayerCount = decoderLayerCount
        self.feedForwardDimension = feedForwardDimension
        self.activation = activation
        self.normPlacement = normPlacement
        self.layerNormEpsilon = layerNormEpsilon
    }

    enum CodingKeys: String, CodingKey {
        case modelDimension = "d_model", headCount = "nhead", encoderLayerCount = "num_encoder_layers"
        case decoderLayerCount = "num_decoder_layers", feedForwardDimension = "dim_feedforward", activation
        case normPlacement = "norm_placement", layerNormEpsilon = "layer_norm_eps"
    }
}

/// A stack of encoder layers with an optional final LayerNorm, as `torch.nn.TransformerEncoder`.
public struct TransformerEncoder: Sendable {
    public var layers: [TransformerEncoderLayer]
    /// Applied after the last layer (`nn.Transformer` always has one; pre-norm stacks need it).
    public var norm: LayerNorm?

    public init(layers: [TransformerEncoderLayer], norm: LayerNorm? = nil) {
        self.layers = layers
        self.norm = norm
    }

    /// - Parameter x: `[B, T, C]`; `mask` as in `TransformerEncoderLayer`. - Returns: `[B, T, C]`.
    public func callAsFunction(_ x: Tensor, mask: AttentionMask? = nil, isCausal: Bool = false) -> Tensor {
        var h = x
        for layer in layers { h = layer(h, mask: mask, isCausal: isCausal) }
        return norm.map { $0(h) } ?? h
    }

    public func summary(name: String = "encoder") -> ModuleSummary {
        ModuleSummary(name: name, detail: "TransformerEncoder(\(layers.count) layers)",
                      children: layers.enumerated().map { $1.summary(name: "layers.\($0)") } + (norm.map { [$0.summary(name: "norm")] } ?? []))
    }
}

/// A stack of decoder layers with an optional final LayerNorm, as `torch.nn.TransformerDecoder`.
public struct TransformerDecoder: Sendable {
    public var layers: [TransformerDecoderLayer]
    public var norm: LayerNorm?

    public init(layers: [TransformerDecoderLayer], norm: LayerNorm? = nil) {
        self.layers = layers
        self.norm = norm
    }

    /// - Parameters: `x` `[B, T, C]`, `memory` `[B, S, C]`; masks as in `TransformerDecoderLayer`; one cache per layer.
    /// - Returns: `[B, T, C]`.
    public func callAsFunction(_ x: Tensor, memory: Tensor, mask: AttentionMask? = nil, isCausal: Bool = true,
                               memoryMask: AttentionMask? = nil, caches: [KVCache]? = nil) -> Tensor {
        precondition(caches == nil || caches!.count == layers.count, "TransformerDecoder: \(caches!.count) caches for \(layers.count) layers")
        var h = x
        for (i, layer) in layers.enumerated() {
            h = layer(h, memory: memory, mask: mask, isCausal: isCausal, memoryMask: memoryMask, cache: caches?[i])
        }
        return norm.map { $0(h) } ?? h
    }

    public func summary(name: String = "decoder") -> ModuleSummary {
        ModuleSummary(name: name, detail: "TransformerDecoder(\(layers.count) layers)",
                      children: layers.enumerated().map { $1.summary(name: "layers.\($0)") } + (norm.map { [$0.summary(name: "norm")] } ?? []))
    }
}

/// The encoder-decoder transformer of "Attention Is All You Need", as `torch.nn.Transformer` (batch first):
/// `memory = encoder(source)`, `output = decoder(target, memory)`. Embeddings, positions and the output projection
/// are the caller's, as in PyTorch.
public struct Transformer: Sendable {
    public var configuration: TransformerConfiguration
    public var encoder: TransformerEncoder
    public var decoder: TransformerDecoder

    public init(configuration: TransformerConfiguration, encoder: TransformerEncoder, decoder: TransformerDecoder) {
        self.configuration = configuration
        self.encoder = encoder
        self.decoder = decoder
    }

    /// Random weights (uniform ±1/√fan-in, LayerNorm γ = 1, β = 0) from a seed, for lessons and tests.
    public init(configuration c: TransformerConfiguration, seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        func norm() -> LayerNorm { LayerNorm(dimension: c.modelDimension, epsilon: c.layerNormEpsilon) }
        func attention() -> MultiHeadAttention {
            MultiHeadAttention(dimension: c.modelDimension, headCount: c.headCount, generator: &generator)
        }
        func feedForward() -> FeedForward {
            FeedForward(up: Linear(inputCount: c.modelDimension, outputCount: c.feedForwardDimension, generator: &generator),
                        down: Linear(inputCount: c.feedForwardDimension, outputCount: c.modelDimension, generator: &generator),
                        activation: c.activation)
        }
        let encoderLayers = (0..<c.encoderLayerCount).map { _ in
            TransformerEncoderLayer(selfAttention: attention(), feedForward: feedForward(), norm1: norm(), norm2: norm(),
                                    normPlacement: c.normPlacement)
        }
        let decoderLayers = (0..<c.decoderLayerCount).map { _ in
            TransformerDecoderLayer(selfAttention: attention(), crossAttention: attention(), feedForward: feedForward(),
                                    norm1: norm(), norm2: norm(), norm3: norm(), normPlacement: c.normPlacement)
        }
        self.init(configuration: c, encoder: TransformerEncoder(layers: encoderLayers, norm: norm()),
                  decoder: TransformerDecoder(layers: decoderLayers, norm: norm()))
    }

    /// - Parameters:
    ///   - source: `[B, S, C]` (embedded), `target`: `[B, T, C]` (embedded).
    ///   - sourceMask: on the encoder's self-attention and the decoder's cross-attention (`[B, S]` key padding).
    ///   - targetMask: on the decoder's self-attention.
    ///   - isCausal: causal decoder self-attention (default, as in training a translator).
    /// - Returns: `[B, T, C]`.
    public func callAsFunction(source: Tensor, target: Tensor, sourceMask: AttentionMask? = nil,
                               targetMask: AttentionMask? = nil, isCausal: Bool = true) -> Tensor {
        let memory = encoder(source, mask: sourceMask)
        return decoder(target, memory: memory, mask: targetMask, isCausal: isCausal, memoryMask: sourceMask)
    }

    public var parameterCount: Int { summary().parameterCount }

    /// Layers and parameter counts; `summary().table(maximumDepth: 2)` for an overview.
    public func summary() -> ModuleSummary {
        let c = configuration
        return ModuleSummary(name: "Transformer",
                             detail: "d_model \(c.modelDimension), \(c.headCount) heads, ff \(c.feedForwardDimension), \(c.normPlacement)-norm",
                             children: [encoder.summary(), decoder.summary()])
    }
}

extension MultiHeadAttention {
    /// Random projections (uniform ±1/√fan-in, with biases) of width `dimension`, for lessons and tests.
    public init(dimension: Int, headCount: Int, kvHeadCount: Int? = nil, contextDimension: Int? = nil,
                generator: inout SeededGenerator) {
        let groups = kvHeadCount ?? headCount
        precondition(dimension % headCount == 0, "MultiHeadAttention: dimension \(dimension) is not divisible by \(headCount) heads")
        let d = dimension / headCount
        let source = contextDimension ?? dimension
        self.init(query: Linear(inputCount: dimension, outputCount: dimension, generator: &generator),
                  key: Linear(inputCount: source, outputCount: groups * d, generator: &generator),
                  value: Linear(inputCount: source, outputCount: groups * d, generator: &generator),
                  output: Linear(inputCount: dimension, outputCount: dimension, generator: &generator),
                  headCount: headCount, kvHeadCount: groups)
    }
}
