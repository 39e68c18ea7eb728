import TensorCore

/// Collects the attention weights of every layer during one model call, for viewers and analysis.
///
/// Pass one to ``LlamaModel/callAsFunction(_:cache:allPositions:recorder:)``: each block then runs the fused kernel
/// keeping its per-row softmax statistics and recomputes its weights on demand
/// (``FusedAttentionResult/weights(heads:rows:)``). Without a recorder nothing is saved or recomputed.
///
/// ```swift
/// let recorder = AttentionRecorder()
/// _ = model(ids, cache: model.makeCache(), recorder: recorder)
/// let firstLayer = recorder.layers[0]     // [1, H, T, K]
/// ```
public final class AttentionRecorder: @unchecked Sendable {
    /// One tensor per layer, in order, for the most recent call: `[1, H, T, K]` (T new positions, K every cached
    /// position including them; row `i` sums to 1 over the keys it may see).
    public private(set) var layers: [Tensor] = []

    public init() {}

    /// Forgets the recorded layers (a model call starts with this).
    public func reset() { layers.removeAll(keepingCapacity: true) }

    func record(_ weights: Tensor) { layers.append(weights) }
}
