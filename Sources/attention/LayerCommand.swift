import Foundation
import TensorCore
import AttentionKernels
import NN

/// `attention layer`: runs a PyTorch attention or transformer layer from its safetensors state dict.
enum LayerCommand: Command {
    static let name = "layer"
    static let summary = "run a PyTorch MultiheadAttention / Transformer(En|De)coderLayer from its state dict"
    static let usage = """
    Usage: attention layer --kind multihead|encoder|decoder --weights STATE.safetensors --input X.npy --output Y.npy
                           [--memory M.npy] [--heads H] [--norm-first] [--activation relu|gelu] [--causal]
                           [--key-padding-mask P.npy] [--memory-key-padding-mask P.npy] [--eps E]
                           [--compare EXPECTED.npy] [--tolerance T]

    Loads the state dict of torch.nn.MultiheadAttention (in_proj_weight [3E, E], in_proj_bias, out_proj.*),
    torch.nn.TransformerEncoderLayer (self_attn.*, linear1.*, linear2.*, norm1.*, norm2.*) or
    torch.nn.TransformerDecoderLayer (also multihead_attn.*, norm3.*), saved with
    safetensors.torch.save_file(module.state_dict(), path), and computes what the module computes in eval mode
    (no dropout). Inputs are batch-first, as batch_first=True: X is [batch, seq, embed] (or [seq, embed]).

    Options:
      --kind K              multihead | encoder | decoder
      --weights W           the state dict (.safetensors)
      --input X.npy         the query (multihead), src (encoder) or tgt (decoder)
      --memory M.npy        keys/values for cross-attention (multihead), the encoder output (decoder, required)
      --heads H             nhead / num_heads; default: the file's "nhead" metadata, if it has one
      --norm-first          pre-norm (norm_first=True); default post-norm
      --activation A        relu (default) | gelu (exact erf GELU, PyTorch's "gelu")
      --causal              causal self-attention (PyTorch: is_causal=True with a square subsequent mask)
      --key-padding-mask P  [batch, keys], PYTORCH'S CONVENTION: true = padded (ignored), false = real token.
                            (The opposite of this tool's --mask elsewhere.) A float mask is added to the scores.
                            multihead: over the keys (the memory if given); encoder: src_key_padding_mask;
                            decoder: tgt_key_padding_mask.
      --memory-key-padding-mask P
                            decoder only: memory_key_padding_mask, same convention (true = padded).
      --eps E               layer_norm_eps (default 1e-5)
      --output Y.npy        where to write the output, [batch, seq, embed] float32
      --compare E.npy       also print max |Y − E| and fail (exit 1) when it exceeds --tolerance (default 1e-4)

    Example (a post-norm GELU encoder layer with padded keys, checked against PyTorch's output):
      attention layer --kind encoder --weights enc.safetensors --input x.npy --activation gelu \\
          --key-padding-mask pad.npy --output y.npy --compare y_torch.npy
    """
    static let options: Set<String> = ["kind", "weights", "input", "memory", "heads", "activation", "key-padding-mask",
                                       "memory-key-padding-mask", "eps", "output", "compare", "tolerance"]
    static let switches: Set<String> = ["norm-first", "causal"]

    static func run(_ arguments: Arguments) throws {
        let kind = try arguments.required("kind")
        guard ["multihead", "encoder", "decoder"].contains(kind) else {
            throw UsageError("--kind must be multihead, encoder or decoder, got '\(kind)'")
        }
        let weightsPath = try arguments.required("weights")
        let outputPath = try arguments.required("output")
        let state = try PyTorchStateDict(contentsOf: URL(fileURLWithPath: weightsPath))
        let heads = try headCount(arguments, state: state)
        let activationName = arguments.string("activation") ?? "relu"
        guard activationName == "relu" || activationName == "gelu", let activation = Activation(rawValue: activationName) else {
            throw UsageError("--activation must be relu or gelu, got '\(activationName)'")
        }
        let placement: NormPlacement = arguments.has("norm-first") ? .pre : .post
        let epsilon = try arguments.float("eps") ?? 1e-5
        let isCausal = arguments.has("causal")

        var x = try readInput(arguments.required("input"), flag: "input")
        var memory = try arguments.string("memory").map { try readInput($0, flag: "memory") }
        let unbatched = x.rank == 2
        if unbatched {
            x = x.reshaped([1] + x.shape)
            memory = memory.map { $0.rank == 2 ? $0.reshaped([1] + $0.shape) : $0 }
        }
        if let m = memory, m.rank != 3 || m.shape[0] != x.shape[0] || m.shape[2] != x.shape[2] {
            throw UsageError("--memory has shape \(m.shape); expected [batch, seq, embed] with batch \(x.shape[0]) and embed \(x.shape[2])")
        }
        let keys = kind == "multihead" ? (memory ?? x).shape[1] : x.shape[1]
        let padding = try arguments.string("key-padding-mask").map { try readPadding($0, batch: x.shape[0], keys: keys, unbatched: unbatched) }
        if arguments.string("memory-key-padding-mask") != nil && kind != "decoder" {
            throw UsageError("--memory-key-padding-mask is for --kind decoder; use --key-padding-mask")
        }

        let y: Tensor
        let description: String
        switch kind {
        case "multihead":
            let layer = try MultiHeadAttention(pyTorch: state, headCount: heads)
            try checkWidth(x, layer.query.inputCount)
            y = layer(x, context: memory, mask: padding, isCausal: isCausal).output
            description = "MultiheadAttention, \(heads) heads\(memory == nil ? "" : ", cross-attention")"
        case "encoder":
            let layer = try TransformerEncoderLayer(pyTorch: state, headCount: heads, activation: activation,
                                                    normPlacement: placement, epsilon: epsilon)
            try checkWidth(x, layer.norm1.weight.count)
            y = layer(x, mask: padding, isCausal: isCausal)
            description = "TransformerEncoderLayer, \(heads) heads, \(placement)-norm, \(activation)"
        default:
            guard let memory else { throw UsageError("--kind decoder needs --memory M.npy (the encoder output)") }
            let layer = try TransformerDecoderLayer(pyTorch: state, headCount: heads, activation: activation,
                                                    normPlacement: placement, epsilon: epsilon)
            try checkWidth(x, layer.norm1.weight.count)
            let memoryPadding = try arguments.string("memory-key-padding-mask").map {
                try readPadding($0, batch: x.shape[0], keys: memory.shape[1], unbatched: unbatched)
            }
            y = layer(x, memory: memory, mask: padding, isCausal: isCausal, memoryMask: memoryPadding)
            description = "TransformerDecoderLayer, \(heads) heads, \(placement)-norm, \(activation)"
        }
        let output = unbatched ? y.reshaped(Array(y.shape.dropFirst())) : y
        try Npy.write(output, to: URL(fileURLWithPath: outputPath))
        print("wrote \(outputPath) \(output.shape) (\(description)\(isCausal ? ", causal" : ""))")
        if let comparePath = arguments.string("compare") {
            let expected = try Npy.readTensor(contentsOf: URL(fileURLWithPath: comparePath))
            guard expected.shape == output.shape else {
                throw UsageError("--compare \(comparePath) has shape \(expected.shape), the output \(output.shape)")
            }
            let tolerance = try arguments.float("tolerance") ?? 1e-4
            let difference = output.maxAbsoluteDifference(expected)
            let verdict = difference <= tolerance ? "match" : "MISMATCH"
            print("max |output − \(comparePath)| = \(String(format: "%.3g", difference)) (tolerance \(tolerance)): \(verdict)")
            if difference > tolerance { exit(1) }
        }
    }

    static func headCount(_ arguments: Arguments, state: PyTorchStateDict) throws -> Int {
        if let heads = try arguments.positiveInt("heads") { return heads }
        for key in ["nhead", "num_heads"] {
            if let text = state.file.metadata[key], let heads = Int(text), heads > 0 { return heads }
        }
        throw UsageError("--heads is required: \(state.file.file) does not record the number of heads (no \"nhead\" metadata)")
    }

    static func readInput(_ path: String, flag: String) throws -> Tensor {
        let array = try Npy.read(contentsOf: URL(fileURLWithPath: path))
        guard array.dtype == .float32 || array.dtype == .float64 else {
            throw UsageError("--\(flag) \(path) holds \(array.dtype.rawValue) values; expected float32 or float64")
        }
        guard array.shape.count == 2 || array.shape.count == 3 else {
            throw UsageError("--\(flag) \(path) has shape \(array.shape); expected [batch, seq, embed] or [seq, embed]")
        }
        return array.floatTensor()
    }

    /// PyTorch's key-padding mask (bool: true = padded; float: added) as this project's mask.
    static func readPadding(_ path: String, batch: Int, keys: Int, unbatched: Bool) throws -> AttentionMask {
        let array = try Npy.read(contentsOf: URL(fileURLWithPath: path))
        let expected = unbatched ? [keys] : [batch, keys]
        guard array.shape == expected else {
            throw UsageError("key-padding mask \(path) has shape \(array.shape); expected \(expected) (batch, keys)")
        }
        let mask = array.floatTensor().reshaped([batch, keys])
        if array.dtype == .float32 || array.dtype == .float64 {
            return .additive(mask.reshaped([batch, 1, 1, keys]))
        }
        return .fromPyTorchKeyPadding(mask)
    }

    static func checkWidth(_ x: Tensor, _ width: Int) throws {
        guard x.shape[2] == width else {
            throw UsageError("--input has embed dimension \(x.shape[2]); the weights expect \(width)")
        }
    }
}
