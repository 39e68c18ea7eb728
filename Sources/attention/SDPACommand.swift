import Foundation
import TensorCore
import AttentionKernels

/// `attention sdpa`: scaled dot-product attention on NumPy files.
enum SDPACommand: Command {
    static let name = "sdpa"
    static let summary = "scaled dot-product attention on .npy files"
    static let usage = """
    Usage: attention sdpa --query Q.npy --key K.npy --value V.npy --output O.npy [options]

    Computes output = softmax(Q·Kᵀ·scale + bias)·V. Q is [batch, heads, queries, dim], [batch, queries, dim] or
    [queries, dim]; K and V have the same rank (K/V heads may divide the query heads: GQA/MQA). Inputs may be
    float32 or float64; outputs are float32.

    Options:
      --mask M.npy          bool: true where attention is allowed; float: added to the scores.
                            Broadcasts to [batch, heads, queries, keys] (in the inputs' rank).
      --key-padding P.npy   [batch, keys], true for real keys, false for padding.
      --causal              query i sees key j when j <= i + (keys - queries).
      --scale S             default 1/sqrt(dim).
      --attention MODE      soft (default) | argmax | sample | topk:K
      --seed N              seed for --attention sample and --dropout (default 0).
      --window W            sliding-window (local) attention.
      --alibi               add ALiBi biases with the standard slopes 2^(-8(h+1)/heads).
      --softcap C           soft-cap scores: C·tanh(s/C).
      --dropout P           attention dropout probability (training), seeded by --seed.
      --kernel K            fused (default) | reference
      --weights-out W.npy   also write the attention weights [batch, heads, queries, keys].
      --threads N           threads for BLAS and the kernels (default: $ATTENTION_THREADS or all cores).

    Example:
      attention sdpa --query q.npy --key k.npy --value v.npy --causal --output o.npy --weights-out w.npy
    """
    static let options: Set<String> = ["query", "key", "value", "mask", "key-padding", "scale", "attention", "seed",
                                       "window", "softcap", "dropout", "kernel", "weights-out", "output"]
    static let switches: Set<String> = ["causal", "alibi"]

    static func run(_ arguments: Arguments) throws {
        let query = try readFloatInput(arguments.required("query"), role: "query")
        let key = try readFloatInput(arguments.required("key"), role: "key")
        let value = try readFloatInput(arguments.required("value"), role: "value")
        let outputPath = try arguments.required("output")
        try checkShapes(query: query, key: key, value: value)

        var options = AttentionOptions(isCausal: arguments.has("causal"))
        options.scale = try arguments.float("scale")
        let seed = UInt64(try arguments.int("seed") ?? 0)
        if let text = arguments.string("attention") {
            guard let mode = AttentionMode(parsing: text, seed: seed) else {
                throw UsageError("--attention must be soft, argmax, sample or topk:K (K ≥ 1), got '\(text)'")
            }
            options.mode = mode
        }
        if let path = arguments.string("mask") {
            let mask = try Npy.read(contentsOf: URL(fileURLWithPath: path))
            options.mask = mask.dtype == .bool ? .allowed(mask.floatTensor()) : .additive(mask.floatTensor())
            try checkBroadcast(mask.shape, to: weightsShape(query: query, key: key), file: path)
        }
        if let path = arguments.string("key-padding") {
            let padding = try Npy.read(contentsOf: URL(fileURLWithPath: path))
            let batch = query.rank >= 3 ? query.shape[0] : 1
            let keys = key.shape[key.rank - 2]
            guard padding.shape == [batch, keys] else {
                throw UsageError("--key-padding \(path) has shape \(padding.shape); expected [batch, keys] = [\(batch), \(keys)]")
            }
            options.mask = .keyPadding(padding.floatTensor())
        }
        if let window = try arguments.positiveInt("window") { options.slidingWindow = window }
        if let cap = try arguments.float("softcap") {
            guard cap > 0 else { throw UsageError("--softcap must be positive") }
            options.softCap = cap
        }
        if arguments.has("alibi") {
            let heads = query.rank == 4 ? query.shape[1] : 1
            options.alibiSlopes = (0..<heads).map { Float(pow(2.0, -8.0 * Double($0 + 1) / Double(heads))) }
        }
        if let p = try arguments.float("dropout") {
            guard p >= 0 && p < 1 else { throw UsageError("--dropout must be in [0, 1), got \(p)") }
            options.dropoutProbability = p
            options.dropoutSeed = seed
        }
        let kernelName = arguments.string("kernel") ?? "fused"
        guard let kernel = AttentionKernel(rawValue: kernelName) else {
            throw UsageError("--kernel must be fused or reference, got '\(kernelName)'")
        }
        let weightsPath = arguments.string("weights-out")
        options.returnsWeights = weightsPath != nil

        let start = Date()
        let result = scaledDotProductAttention(query: query, key: key, value: value, options: options, kernel: kernel)
        let seconds = Date().timeIntervalSince(start)
        try Npy.write(result.output, to: URL(fileURLWithPath: outputPath))
        if let weightsPath, let weights = result.weights {
            try Npy.write(weights, to: URL(fileURLWithPath: weightsPath))
        }
        print("wrote \(outputPath) \(result.output.shape)\(weightsPath.map { " and \($0) \(result.weights!.shape)" } ?? "") "
              + "(\(kernel.rawValue) kernel, \(String(format: "%.1f", seconds * 1000)) ms)")
    }

    static func readFloatInput(_ path: String, role: String) throws -> Tensor {
        let array = try Npy.read(contentsOf: URL(fileURLWithPath: path))
        guard array.dtype == .float32 || array.dtype == .float64 else {
            throw UsageError("--\(role) \(path) holds \(array.dtype) values (\(array.dtype.rawValue)); attention inputs must be float32 or float64")
        }
        guard (2...4).contains(array.shape.count) else {
            throw UsageError("--\(role) \(path) has shape \(array.shape); expected rank 2, 3 or 4")
        }
        return array.floatTensor()
    }

    static func checkShapes(query q: Tensor, key k: Tensor, value v: Tensor) throws {
        guard q.rank == k.rank && q.rank == v.rank else {
            throw UsageError("query \(q.shape), key \(k.shape) and value \(v.shape) must have the same rank")
        }
        let r = q.rank
        guard q.shape[r - 1] == k.shape[r - 1] else {
            throw UsageError("query \(q.shape) and key \(k.shape) must share the last (head) dimension")
        }
        guard k.shape[r - 2] == v.shape[r - 2] else {
            throw UsageError("key \(k.shape) and value \(v.shape) must have the same number of keys")
        }
        if r >= 3 {
            guard q.shape[0] == k.shape[0] && q.shape[0] == v.shape[0] else {
                throw UsageError("query \(q.shape), key \(k.shape) and value \(v.shape) must have the same batch size")
            }
        }
        if r == 4 {
            guard k.shape[1] == v.shape[1], k.shape[1] > 0, q.shape[1] % k.shape[1] == 0 else {
                throw UsageError("key/value heads (\(k.shape[1]), \(v.shape[1])) must be equal and divide query heads (\(q.shape[1]))")
            }
        }
    }

    static func weightsShape(query q: Tensor, key k: Tensor) -> [Int] {
        Array(q.shape.dropLast(2)) + [q.shape[q.rank - 2], k.shape[k.rank - 2]]
    }

    static func checkBroadcast(_ shape: [Int], to target: [Int], file: String) throws {
        let fits = shape.count <= target.count && zip(shape.reversed(), target.reversed()).allSatisfy { $0 == 1 || $0 == $1 }
        guard fits else { throw UsageError("--mask \(file) has shape \(shape), which does not broadcast to the weights \(target)") }
    }
}
