import TensorCore

/// Which query–key pairs may attend, and extra score terms.
///
/// **Convention, used everywhere in this project: a Boolean mask is `true` (non-zero) where attention is allowed;
/// a float mask is added to the scores.** A pair that is not allowed, or whose added term is `-infinity`, gets
/// weight 0. Masks broadcast (NumPy rules) to the weights' shape: `[batch, heads, queries, keys]` for rank-4
/// inputs, `[batch, queries, keys]` for rank 3, `[queries, keys]` for rank 2.
public enum AttentionMask: Sendable, Equatable {
    /// Non-zero where attention is allowed. Broadcasts to the weights' shape.
    case allowed(Tensor)
    /// Added to the scaled scores (use `-infinity` to forbid a pair). Broadcasts to the weights' shape.
    case additive(Tensor)
    /// Per batch row, non-zero for real keys and zero for padding: `[batch, keys]`.
    case keyPadding(Tensor)

    /// A key-padding mask from the number of real keys in each batch row: `[batch, keys]`.
    public static func keyLengths(_ lengths: [Int], keys: Int) -> AttentionMask {
        .keyPadding(Tensor(shape: [lengths.count, keys]) { flat in flat % keys < lengths[flat / keys] ? 1 : 0 })
    }
}

/// A mask resolved against a concrete problem: element strides into the `[B, H, Q, K]` weights space
/// (0 on broadcast axes), so kernels read it without materializing the broadcast.
struct ResolvedMask {
    let values: [Float]
    let isAdditive: Bool
    let strides: (batch: Int, head: Int, query: Int, key: Int)

    /// - Parameters:
    ///   - userWeightsShape: the weights' shape in the caller's rank.
    ///   - batch: B, used to lay out the key-padding form.
    init(_ mask: AttentionMask, userWeightsShape: [Int], batch: Int, keys: Int) {
        switch mask {
        case .keyPadding(let padding):
            precondition(padding.shape == [batch, keys],
                         "attention: key-padding mask must be [batch, keys] = [\(batch), \(keys)], got \(padding.shape)")
            values = padding.scalars
            isAdditive = false
            strides = (keys, 0, 0, 1)
        case .allowed(let tensor), .additive(let tensor):
            if case .additive = mask { isAdditive = true } else { isAdditive = false }
            precondition(tensor.rank <= userWeightsShape.count,
                         "attention: mask \(tensor.shape) does not broadcast to weights \(userWeightsShape)")
            for (axis, extent) in tensor.shape.reversed().enumerated() {
                let target = userWeightsShape[userWeightsShape.count - 1 - axis]
                precondition(extent == 1 || extent == target,
                             "attention: mask \(tensor.shape) does not broadcast to weights \(userWeightsShape)")
            }
            values = tensor.scalars
            let s = Tensor.broadcastStrides(from: tensor.shape, to: userWeightsShape)
            switch s.count {
            case 2: strides = (0, 0, s[0], s[1])
            case 3: strides = (s[0], 0, s[1], s[2])
            default: strides = (s[0], s[1], s[2], s[3])
            }
        }
    }

    /// Offset of `(b, h, i, 0)`; add `j · strides.key` for key j.
    @inline(__always)
    func rowOffset(batch b: Int, head h: Int, query i: Int) -> Int {
        b * strides.batch + h * strides.head + i * strides.query
    }
}
