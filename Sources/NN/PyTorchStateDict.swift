import AttentionKernels
import Foundation
import TensorCore

/// A PyTorch `state_dict` saved with safetensors, read under a name prefix (`"encoder.layers.0."`).
///
/// The names are PyTorch's own (`self_attn.in_proj_weight`, `linear1.weight`, `norm1.bias`, …), so a checkpoint saved
/// with `safetensors.torch.save_file(module.state_dict(), path)` loads without renaming. Every missing or misshapen
/// tensor throws a `FileFormatError` naming the full tensor name and the module that needs it.
public struct PyTorchStateDict: Sendable {
    public let file: SafetensorsFile
    /// Prepended to every name, e.g. `"decoder.layers.1."`.
    public let prefix: String

    public init(_ file: SafetensorsFile, prefix: String = "") {
        self.file = file
        self.prefix = prefix
    }

    /// Opens (memory-maps) a `.safetensors` file.
    public init(contentsOf url: URL) throws(FileFormatError) {
        self.init(try SafetensorsFile(contentsOf: url))
    }

    /// The sub-dictionary of module `name`: `scoped("self_attn")` reads `self_attn.*`.
    public func scoped(_ name: String) -> PyTorchStateDict {
        PyTorchStateDict(file, prefix: prefix + name + ".")
    }

    public func contains(_ name: String) -> Bool { file.info(prefix + name) != nil }

    /// Reads `prefix + name` as `Float`.
    /// - Parameters:
    ///   - shape: the shape the caller needs, or nil for any.
    ///   - role: what it is, for the error message (“torch.nn.MultiheadAttention's packed Q/K/V projection”).
    /// - Throws: `FileFormatError` `.missingEntry` (with similar names), `.sizeMismatch` for a wrong shape.
    public func tensor(_ name: String, shape: [Int]? = nil, role: String) throws(FileFormatError) -> Tensor {
        let full = prefix + name
        let tensor: Tensor
        do {
            tensor = try file.tensor(named: full)
        } catch {
            guard error.kind == .missingEntry else { throw error }
            throw FileFormatError(.missingEntry, file: file.file, problem: "\(error.problem) — needed as \(role)")
        }
        if let shape, tensor.shape != shape {
            throw FileFormatError(.sizeMismatch, file: file.file,
                                  problem: "tensor '\(full)' has shape \(tensor.shape), but \(role) needs \(shape)")
        }
        return tensor
    }

    /// Reads `name` if present (PyTorch modules built with `bias=False` have no bias tensors).
    public func optionalTensor(_ name: String, shape: [Int]? = nil, role: String) throws(FileFormatError) -> Tensor? {
        contains(name) ? try tensor(name, shape: shape, role: role) : nil
    }
}

extension Linear {
    /// `weight` `[out, in]` and optional `bias` `[out]` of a `torch.nn.Linear`.
    public init(pyTorch state: PyTorchStateDict, inputCount: Int? = nil, outputCount: Int? = nil) throws(FileFormatError) {
        let weight = try state.tensor("weight", role: "a torch.nn.Linear weight [out, in]")
        if weight.rank != 2 || (inputCount.map { $0 != weight.shape[1] } ?? false) || (outputCount.map { $0 != weight.shape[0] } ?? false) {
            throw FileFormatError(.sizeMismatch, file: state.file.file,
                                  problem: "tensor '\(state.prefix)weight' has shape \(weight.shape), expected [\(outputCount.map(String.init) ?? "out"), \(inputCount.map(String.init) ?? "in")]")
        }
        let bias = try state.optionalTensor("bias", shape: [weight.shape[0]], role: "the bias of a Linear \(weight.shape)")
        self.init(weight: weight, bias: bias)
    }
}

extension LayerNorm {
    /// `weight` and optional `bias`, `[dimension]`, of a `torch.nn.LayerNorm` (ε is not stored in the state dict).
    public init(pyTorch state: PyTorchStateDict, dimension: Int, epsilon: Float = 1e-5) throws(FileFormatError) {
        let weight = try state.tensor("weight", shape: [dimension], role: "a torch.nn.LayerNorm γ")
        let bias = try state.optionalTensor("bias", shape: [dimension], role: "a torch.nn.LayerNorm β")
        self.init(weight: weight, bias: bias, epsilon: epsilon)
    }
}

extension MultiHeadAttention {
    /// A `torch.nn.MultiheadAttention`: `in_proj_weight` `[3E, E]` (Q, K, V stacked by rows), `in_proj_bias` `[3E]`,
    /// `out_proj.weight` `[E, E]`, `out_proj.bias` `[E]`; or `q_proj_weight`/`k_proj_weight`/`v_proj_weight` when
    /// PyTorch was given a `kdim`/`vdim` different from E. `bias_k`/`bias_v` (`add_bias_kv`) are not supported.
    /// - Parameter headCount: `num_heads` (not stored in the state dict).
    public init(pyTorch state: PyTorchStateDict, headCount: Int) throws(FileFormatError) {
        let role = "torch.nn.MultiheadAttention"
        let out = try Linear(pyTorch: state.scoped("out_proj"))
        let e = out.outputCount
        guard e % headCount == 0 else {
            throw FileFormatError(.sizeMismatch, file: state.file.file,
                                  problem: "'\(state.prefix)out_proj.weight' has embed dimension \(e), which \(headCount) heads do not divide")
        }
        if state.contains("bias_k") || state.contains("bias_v") {
            throw FileFormatError(.typeMismatch, file: state.file.file,
                                  problem: "'\(state.prefix)bias_k'/'bias_v' (add_bias_kv=True) are not supported")
        }
        let query, key, value: Linear
        if state.contains("in_proj_weight") || !state.contains("q_proj_weight") {
            let packed = try state.tensor("in_proj_weight", shape: [3 * e, e], role: "\(role)'s packed Q/K/V projection")
            let bias = try state.optionalTensor("in_proj_bias", shape: [3 * e], role: "\(role)'s packed Q/K/V bias")
            func part(_ i: Int) -> Linear {
                Linear(weight: packed.sliced(axis: 0, (i * e)..<((i + 1) * e)),
                       bias: bias?.sliced(axis: 0, (i * e)..<((i + 1) * e)))
            }
            (query, key, value) = (part(0), part(1), part(2))
        } else {
            let bias = try state.optionalTensor("in_proj_bias", shape: [3 * e], role: "\(role)'s packed Q/K/V bias")
            func part(_ i: Int, _ name: String) throws(FileFormatError) -> Linear {
                let weight = try state.tensor(name, role: "\(role)'s separate \(name)")
                guard weight.rank == 2, weight.shape[0] == e else {
                    throw FileFormatError(.sizeMismatch, file: state.file.file,
                                          problem: "tensor '\(state.prefix)\(name)' has shape \(weight.shape), expected [\(e), kdim]")
                }
                return Linear(weight: weight, bias: bias?.sliced(axis: 0, (i * e)..<((i + 1) * e)))
            }
            (query, key, value) = (try part(0, "q_proj_weight"), try part(1, "k_proj_weight"), try part(2, "v_proj_weight"))
        }
        self.init(query: query, key: key, value: value, output: out, headCount: headCount)
    }
}

extension FeedForward {
    /// `linear1` `[F, C]` and `linear2` `[C, F]` of a PyTorch transformer layer.
    public init(pyTorch state: PyTorchStateDict, dimension: Int, activation: Activation) throws(FileFormatError) {
        let up = try Linear(pyTorch: state.scoped("linear1"), inputCount: dimension)
        let down = try Linear(pyTorch: state.scoped("linear2"), inputCount: up.outputCount, outputCount: dimension)
        self.init(up: up, down: down, activation: activation)
    }
}

extension TransformerEncoderLayer {
    /// A `torch.nn.TransformerEncoderLayer`: `self_attn.*`, `linear1.*`, `linear2.*`, `norm1.*`, `norm2.*`.
    /// The options below are constructor arguments in PyTorch, not part of the state dict.
    /// - Parameters:
    ///   - headCount: `nhead`.
    ///   - activation: `activation` (relu or gelu).
    ///   - normPlacement: `.pre` for `norm_first=True`.
    ///   - epsilon: `layer_norm_eps`.
    public init(pyTorch state: PyTorchStateDict, headCount: Int, activation: Activation = .relu,
                normPlacement: NormPlacement = .post, epsilon: Float = 1e-5) throws(FileFormatError) {
        let attention = try MultiHeadAttention(pyTorch: state.scoped("self_attn"), headCount: headCount)
        let c = attention.output.outputCount
        self.init(selfAttention: attention,
                  feedForward: try FeedForward(pyTorch: state, dimension: c, activation: activation),
                  norm1: try LayerNorm(pyTorch: state.scoped("norm1"), dimension: c, epsilon: epsilon),
                  norm2: try LayerNorm(pyTorch: state.scoped("norm2"), dimension: c, epsilon: epsilon),
                  normPlacement: normPlacement)
    }
}

extension TransformerDecoderLayer {
    /// A `torch.nn.TransformerDecoderLayer`: `self_attn.*`, `multihead_attn.*`, `linear1.*`, `linear2.*`,
    /// `norm1.*`, `norm2.*`, `norm3.*`. Options as for `TransformerEncoderLayer.init(pyTorch:…)`.
    public init(pyTorch state: PyTorchStateDict, headCount: Int, activation: Activation = .relu,
                normPlacement: NormPlacement = .post, epsilon: Float = 1e-5) throws(FileFormatError) {
        let attention = try MultiHeadAttention(pyTorch: state.scoped("self_attn"), headCount: headCount)
        let c = attention.output.outputCount
        self.init(selfAttention: attention,
                  crossAttention: try MultiHeadAttention(pyTorch: state.scoped("multihead_attn"), headCount: headCount),
                  feedForward: try FeedForward(pyTorch: state, dimension: c, activation: activation),
                  norm1: try LayerNorm(pyTorch: state.scoped("norm1"), dimension: c, epsilon: epsilon),
                  norm2: try LayerNorm(pyTorch: state.scoped("norm2"), dimension: c, epsilon: epsilon),
                  norm3: try LayerNorm(pyTorch: state.scoped("norm3"), dimension: c, epsilon: epsilon),
                  normPlacement: normPlacement)
    }
}

extension Transformer {
    /// A `torch.nn.Transformer`: `encoder.layers.N.*`, `encoder.norm.*`, `decoder.layers.N.*`, `decoder.norm.*`.
    /// `configuration` supplies what the state dict does not store (heads, activation, norm placement, ε, layer counts).
    public init(pyTorch state: PyTorchStateDict, configuration c: TransformerConfiguration) throws(FileFormatError) {
        var encoderLayers: [TransformerEncoderLayer] = []
        for i in 0..<c.encoderLayerCount {
            encoderLayers.append(try TransformerEncoderLayer(pyTorch: state.scoped("encoder.layers.\(i)"), headCount: c.headCount,
                                                             activation: c.activation, normPlacement: c.normPlacement,
                                                             epsilon: c.layerNormEpsilon))
        }
        var decoderLayers: [TransformerDecoderLayer] = []
        for i in 0..<c.decoderLayerCount {
            decoderLayers.append(try TransformerDecoderLayer(pyTorch: state.scoped("decoder.layers.\(i)"), headCount: c.headCount,
                                                             activation: c.activation, normPlacement: c.normPlacement,
                                                             epsilon: c.layerNormEpsilon))
        }
        let d = c.modelDimension
        let encoderNorm = state.contains("encoder.norm.weight")
            ? try LayerNorm(pyTorch: state.scoped("encoder.norm"), dimension: d, epsilon: c.layerNormEpsilon) : nil
        let decoderNorm = state.contains("decoder.norm.weight")
            ? try LayerNorm(pyTorch: state.scoped("decoder.norm"), dimension: d, epsilon: c.layerNormEpsilon) : nil
        self.init(configuration: c, encoder: TransformerEncoder(layers: encoderLayers, norm: encoderNorm),
                  decoder: TransformerDecoder(layers: decoderLayers, norm: decoderNorm))
    }
}

extension AttentionMask {
    /// Converts PyTorch's boolean `key_padding_mask` (`true` = padded, ignored) into this project's `.keyPadding`
    /// (non-zero = real key).
    /// - Parameter padded: `[B, S]`, non-zero where PyTorch would ignore the key.
    public static func fromPyTorchKeyPadding(_ padded: Tensor) -> AttentionMask {
        .keyPadding(padded.map { $0 != 0 ? 0 : 1 })
    }
}
