import TensorCore

/// Keys and values of the tokens seen so far, for incremental decoding (mlx-swift's `KVCacheSimple`).
///
/// Each `update(keys:values:)` appends `[B, G, T, D]` along the sequence axis and returns everything cached,
/// `[B, G, offset + T, D]`, which the new queries then attend to (with `isCausal`, bottom-right aligned).
/// Storage is `[B, G, capacity, D]` and grows in multiples of `step` positions, so appending a token copies
/// only that token; the returned tensors are contiguous copies of the first `offset` positions.
///
/// A class, so a layer can update it through a plain (non-`inout`) argument; one cache per layer per sequence batch,
/// not shared across threads.
public final class KVCache {
    /// The number of positions cached so far (also the position of the next token, for rotary embeddings).
    public private(set) var offset = 0
    /// Positions added to the capacity whenever it runs out.
    public let step: Int
    /// Positions the storage can hold before it grows again.
    public private(set) var capacity = 0

    private var keyStorage: [Float] = []
    private var valueStorage: [Float] = []
    private var batch = 0, groups = 0, keyDimension = 0, valueDimension = 0

    /// - Parameter step: growth granularity in positions (mlx-swift uses 256).
    public init(step: Int = 256) {
        precondition(step > 0, "KVCache: step must be ≥ 1, got \(step)")
        self.step = step
    }

    /// Forgets every cached position (keeps the storage).
    public func reset() { offset = 0 }

    /// Appends new keys and values and returns all cached ones.
    /// - Parameters:
    ///   - keys: `[B, G, T, D]`.
    ///   - values: `[B, G, T, E]`.
    /// - Returns: keys `[B, G, offset + T, D]` and values `[B, G, offset + T, E]` (offset before the call).
    /// - Complexity: O(B·G·T·(D+E)) to append (amortized over growth), O(B·G·(offset+T)·(D+E)) to return.
    public func update(keys: Tensor, values: Tensor) -> (keys: Tensor, values: Tensor) {
        precondition(keys.rank == 4 && values.rank == 4 && Array(keys.shape.prefix(3)) == Array(values.shape.prefix(3)),
                     "KVCache: keys \(keys.shape) and values \(values.shape) must be [B, G, T, D] and [B, G, T, E]")
        let (b, g, t, d, e) = (keys.shape[0], keys.shape[1], keys.shape[2], keys.shape[3], values.shape[3])
        if offset == 0 {
            (batch, groups, keyDimension, valueDimension) = (b, g, d, e)
        } else {
            precondition(b == batch && g == groups && d == keyDimension && e == valueDimension,
                         "KVCache: keys \(keys.shape) do not match the cached [\(batch), \(groups), _, \(keyDimension)]")
        }
        let needed = offset + t
        if needed > capacity || keyStorage.count != batch * groups * capacity * keyDimension {
            grow(to: (needed + step - 1) / step * step)
        }
        Self.write(keys, into: &keyStorage, rows: b * g, capacity: capacity, at: offset)
        Self.write(values, into: &valueStorage, rows: b * g, capacity: capacity, at: offset)
        offset = needed
        return (Self.read(keyStorage, shape: [b, g, offset, d], capacity: capacity),
                Self.read(valueStorage, shape: [b, g, offset, e], capacity: capacity))
    }

    private func grow(to newCapacity: Int) {
        func regrown(_ old: [Float], width: Int) -> [Float] {
            var fresh = [Float](repeating: 0, count: batch * groups * newCapacity * width)
            if capacity > 0 && offset > 0 {
                for row in 0..<(batch * groups) {
                    let source = row * capacity * width, target = row * newCapacity * width
                    for i in 0..<(offset * width) { fresh[target + i] = old[source + i] }
                }
            }
            return fresh
        }
        keyStorage = regrown(keyStorage, width: keyDimension)
        valueStorage = regrown(valueStorage, width: valueDimension)
        capacity = newCapacity
    }

    private static func write(_ tensor: Tensor, into storage: inout [Float], rows: Int, capacity: Int, at offset: Int) {
        let (t, width) = (tensor.shape[2], tensor.shape[3])
        tensor.withUnsafeBufferPointer { source in
            storage.withUnsafeMutableBufferPointer { target in
                for row in 0..<rows {
                    let from = row * t * width, to = (row * capacity + offset) * width
                    for i in 0..<(t * width) { target[to + i] = source[from + i] }
                }
            }
        }
    }

    private static func read(_ storage: [Float], shape: [Int], capacity: Int) -> Tensor {
        let (rows, length, width) = (shape[0] * shape[1], shape[2], shape[3])
        var out = [Float](repeating: 0, count: rows * length * width)
        storage.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { target in
                for row in 0..<rows {
                    let from = row * capacity * width, to = row * length * width
                    for i in 0..<(length * width) { target[to + i] = source[from + i] }
                }
            }
        }
        return Tensor(shape: shape, scalars: out)
    }
}
