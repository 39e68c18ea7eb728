import Foundation
import TensorCore

/// How token states become one sentence vector, from a sentence-transformers `1_Pooling/config.json`, plus the
/// `Normalize` module of `modules.json`.
///
/// all-MiniLM-L6-v2: mean over real tokens, then L2 normalization.
public struct SentencePooling: Codable, Sendable, Equatable {
    /// `[CLS]` state (`pooling_mode_cls_token`; default false).
    public var usesClassifierToken: Bool
    /// Mean over real tokens (`pooling_mode_mean_tokens`; default true).
    public var usesMean: Bool
    /// Element-wise maximum over real tokens (`pooling_mode_max_tokens`; default false).
    public var usesMax: Bool
    /// Sum over real tokens divided by √length (`pooling_mode_mean_sqrt_len_tokens`; default false).
    public var usesMeanSquareRootLength: Bool
    /// Divide by the L2 norm at the end (a `Normalize` module in `modules.json`; not in the pooling file).
    public var normalizes: Bool

    enum CodingKeys: String, CodingKey {
        case usesClassifierToken = "pooling_mode_cls_token"
        case usesMean = "pooling_mode_mean_tokens"
        case usesMax = "pooling_mode_max_tokens"
        case usesMeanSquareRootLength = "pooling_mode_mean_sqrt_len_tokens"
    }

    public init(usesClassifierToken: Bool = false, usesMean: Bool = true, usesMax: Bool = false,
                usesMeanSquareRootLength: Bool = false, normalizes: Bool = true) {
        self.usesClassifierToken = usesClassifierToken
        self.usesMean = usesMean
        self.usesMax = usesMax
        self.usesMeanSquareRootLength = usesMeanSquareRootLength
        self.normalizes = normalizes
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        usesClassifierToken = try c.decodeIfPresent(Bool.self, forKey: .usesClassifierToken) ?? false
        usesMean = try c.decodeIfPresent(Bool.self, forKey: .usesMean) ?? true
        usesMax = try c.decodeIfPresent(Bool.self, forKey: .usesMax) ?? false
        usesMeanSquareRootLength = try c.decodeIfPresent(Bool.self, forKey: .usesMeanSquareRootLength) ?? false
        normalizes = true
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(usesClassifierToken, forKey: .usesClassifierToken)
        try c.encode(usesMean, forKey: .usesMean)
        try c.encode(usesMax, forKey: .usesMax)
        try c.encode(usesMeanSquareRootLength, forKey: .usesMeanSquareRootLength)
    }

    /// The pooling of a model folder: `1_Pooling/config.json` when present (else mean pooling), normalization when
    /// `modules.json` lists a `Normalize` module (or when there is no `modules.json`, the common case for
    /// embedding models).
    /// - Throws: ``ModelError`` `.invalid` for a malformed file or a configuration with no pooling mode.
    public static func load(modelDirectory: URL) throws(ModelError) -> SentencePooling {
        var pooling = SentencePooling()
        let poolingURL = modelDirectory.appendingPathComponent("1_Pooling/config.json")
        if let data = try? Data(contentsOf: poolingURL) {
            do { pooling = try JSONDecoder().decode(SentencePooling.self, from: data) } catch {
                throw ModelError(.invalid, "\(poolingURL.path) is not a valid sentence-transformers pooling config: \(error)")
            }
        }
        let modulesURL = modelDirectory.appendingPathComponent("modules.json")
        if let data = try? Data(contentsOf: modulesURL) {
            guard let modules = (try? JSONSerialization.jsonObject(with: data)) as? [[String: Any]] else {
                throw ModelError(.invalid, "\(modulesURL.path) is not a JSON list of modules.")
            }
            pooling.normalizes = modules.contains { ($0["type"] as? String)?.hasSuffix(".Normalize") == true }
        }
        guard pooling.modeCount > 0 else {
            throw ModelError(.invalid, "\(poolingURL.path) enables no pooling mode.")
        }
        return pooling
    }

    /// Number of enabled modes; the output is their concatenation, `modeCount · C` wide.
    public var modeCount: Int {
        [usesClassifierToken, usesMax, usesMean, usesMeanSquareRootLength].filter { $0 }.count
    }

    /// Pools token states into sentence vectors, in sentence-transformers' order (cls, max, mean, mean_sqrt_len).
    /// - Parameters:
    ///   - hidden: `[B, T, C]`.
    ///   - lengths: `[B]` real tokens per row (`1 ≤ lengthᵢ ≤ T`); later rows are padding and ignored.
    /// - Returns: `[B, modeCount · C]`, each row of unit L2 norm when ``normalizes``.
    public func callAsFunction(_ hidden: Tensor, lengths: [Int]) -> Tensor {
        precondition(hidden.rank == 3 && lengths.count == hidden.shape[0], "SentencePooling: hidden \(hidden.shape), \(lengths.count) lengths")
        let (b, t, c) = (hidden.shape[0], hidden.shape[1], hidden.shape[2])
        let width = modeCount * c
        var out = [Float](repeating: 0, count: b * width)
        hidden.withUnsafeBufferPointer { h in
            for row in 0..<b {
                let n = lengths[row]
                precondition(n >= 1 && n <= t, "SentencePooling: length \(n) outside 1...\(t)")
                let base = row * t * c
                var parts: [[Double]] = []
                if usesClassifierToken { parts.append((0..<c).map { Double(h[base + $0]) }) }
                if usesMax {
                    parts.append((0..<c).map { j in (0..<n).map { Double(h[base + $0 * c + j]) }.max()! })
                }
                if usesMean || usesMeanSquareRootLength {
                    var sum = [Double](repeating: 0, count: c)
                    for token in 0..<n { for j in 0..<c { sum[j] += Double(h[base + token * c + j]) } }
                    if usesMean { parts.append(sum.map { $0 / Double(n) }) }
                    if usesMeanSquareRootLength { parts.append(sum.map { $0 / Double(n).squareRoot() }) }
                }
                var vector = parts.flatMap { $0 }
                if normalizes {
                    let norm = vector.reduce(0) { $0 + $1 * $1 }.squareRoot()
                    let divisor = Swift.max(norm, 1e-12)
                    vector = vector.map { $0 / divisor }
                }
                for j in 0..<width { out[row * width + j] = Float(vector[j]) }
            }
        }
        return Tensor(shape: [b, width], scalars: out)
    }
}
