import Foundation
import TensorCore

/// Sentence embeddings with a sentence-transformers BERT model folder (all-MiniLM-L6-v2 by default): WordPiece
/// tokens (truncated to `max_seq_length`), ``BERTModel``, then ``SentencePooling`` (mean over real tokens, L2
/// normalization).
///
/// ```swift
/// let embedder = try SentenceEmbedder.load(directory: try ModelStore().resolve("minilm"))
/// let vectors = embedder.embed(["Attention is all you need.", "A cat sat on the mat."])  // [2, 384]
/// ```
public struct SentenceEmbedder: Sendable {
    public let tokenizer: BERTTokenizer
    public let model: BERTModel
    public let pooling: SentencePooling

    public init(tokenizer: BERTTokenizer, model: BERTModel, pooling: SentencePooling) {
        self.tokenizer = tokenizer
        self.model = model
        self.pooling = pooling
    }

    /// Loads tokenizer, model and pooling from one folder.
    /// - Throws: ``ModelError`` (`.notFound`, `.invalid`) with a sentence saying how to fetch or fix the model.
    public static func load(directory: URL) throws(ModelError) -> SentenceEmbedder {
        let model = try BERTModel.load(directory: directory)
        var tokenizer: BERTTokenizer
        do { tokenizer = try BERTTokenizer.load(modelDirectory: directory) } catch {
            throw ModelError(.invalid, "cannot load the tokenizer of \(directory.path): \(error). Fetch the default "
                + "model again with `attention models fetch minilm`.")
        }
        tokenizer.maxLength = Swift.min(tokenizer.maxLength, model.configuration.maxPositionEmbeddings)
        return SentenceEmbedder(tokenizer: tokenizer, model: model, pooling: try SentencePooling.load(modelDirectory: directory))
    }

    /// The width of an embedding (384 for all-MiniLM-L6-v2).
    public var dimension: Int { pooling.modeCount * model.configuration.hiddenSize }

    /// Token ids of each text, `[CLS] … [SEP]`, truncated to ``BERTTokenizer/maxLength``.
    public func tokenize(_ texts: [String]) -> [[Int]] {
        tokenizer.encode(batch: texts).map(\.ids)
    }

    /// Embeds texts in batches of similar length (sorted by token count, so little padding), returned in input order.
    /// - Parameters:
    ///   - texts: any strings; empty strings embed `[CLS] [SEP]`.
    ///   - batchSize: sequences per forward pass (≥ 1).
    ///   - progress: called after each batch with the number of texts done so far.
    /// - Returns: `[texts.count, dimension]`.
    ///
    /// A batch runs as parts of about 320 real tokens, and with more than one thread (``Parallelism/threadCount``)
    /// as at least one part per thread (given 4 texts per thread), each running the model with single-threaded BLAS;
    /// the global thread count reads 1 while that runs, so do not change it from another task at the same time.
    public func embed(_ texts: [String], batchSize: Int = 32, progress: ((Int) -> Void)? = nil) -> Tensor {
        embed(ids: tokenize(texts), batchSize: batchSize, progress: progress)
    }

    /// Embeds already tokenized sequences; see ``embed(_:batchSize:progress:)``.
    public func embed(ids: [[Int]], batchSize: Int = 32, progress: ((Int) -> Void)? = nil) -> Tensor {
        precondition(batchSize >= 1, "SentenceEmbedder.embed: batch size \(batchSize) must be at least 1")
        let width = dimension
        var out = [Float](repeating: 0, count: ids.count * width)
        let order = ids.indices.sorted { ids[$0].count != ids[$1].count ? ids[$0].count > ids[$1].count : $0 < $1 }
        var done = 0
        let threads = Parallelism.threadCount
        out.withUnsafeMutableBufferPointer { buffer in
            let destination = UncheckedSendable(buffer.baseAddress!)
            /// Encodes `members` (indices into `ids`) as one padded batch and writes their rows of `out`.
            @Sendable func encode(_ members: ArraySlice<Int>) {
                let output = model(members.map { ids[$0] })
                let vectors = pooling(output.lastHiddenState, lengths: output.lengths)  // [b, width]
                vectors.withUnsafeBufferPointer { v in
                    for (row, index) in members.enumerated() {
                        (destination.value + index * width).update(from: v.baseAddress! + row * width, count: width)
                    }
                }
            }
            for start in stride(from: 0, to: order.count, by: batchSize) {
                let members = order[start..<Swift.min(order.count, start + batchSize)]
                // A batch runs as parts of about `tokensPerPart` real tokens (activations that stay in cache: 16
                // MiniLM sentences ran 15% faster per sentence than 32 on one thread), and with several threads
                // as at least one part per thread, each part on its own thread with single-threaded BLAS: large
                // products on one core each beat every product split over the cores, which spends its time
                // waking and joining threads (2 threads: 244 -> 388 sentences/s on MiniLM). The results are the
                // same, since each sequence's embedding does not depend on its batch.
                let tokens = members.reduce(0) { $0 + ids[$1].count }
                let byThreads = members.count >= threads * Self.sequencesPerThread ? threads : 1
                let parts = Swift.max(1, Swift.min(members.count, Swift.max(byThreads, (tokens + Self.tokensPerPart / 2) / Self.tokensPerPart)))
                let part = { @Sendable (index: Int) -> ArraySlice<Int> in
                    members[(members.startIndex + members.count * index / parts)..<(members.startIndex + members.count * (index + 1) / parts)]
                }
                if parts > 1 && threads > 1 {
                    // The thread count is global: it reads 1 while the parts run, then is restored.
                    Parallelism.threadCount = 1
                    let workers = Swift.min(threads, parts)
                    DispatchQueue.concurrentPerform(iterations: workers) { worker in
                        for index in stride(from: worker, to: parts, by: workers) { encode(part(index)) }
                    }
                    Parallelism.threadCount = threads
                } else {
                    for index in 0..<parts { encode(part(index)) }
                }
                done += members.count
                progress?(done)
            }
        }
        return Tensor(shape: [ids.count, width], scalars: out)
    }

    /// The fewest sequences per thread for a batch to be split over threads (below it the split costs more than it
    /// saves).
    static let sequencesPerThread = 4
    /// Real tokens per forward pass that keep a layer's activations in cache (see ``embed(ids:batchSize:progress:)``).
    static let tokensPerPart = 320

    /// One text's embedding, `[dimension]`.
    public func embed(_ text: String) -> [Float] {
        embed([text]).scalars
    }

    /// The attention weights of every layer and head for one text.
    /// - Returns: the encoding and `[L, H, T, T]` (layer, head, query token, key token; rows sum to 1).
    public func attentionMaps(for text: String) -> (encoding: Encoding, weights: Tensor) {
        let encoding = tokenizer.encode(text)
        let output = model([encoding.ids], returnsAttention: true)
        let layers = output.attentionWeights ?? []
        let t = encoding.count
        let h = model.configuration.headCount
        let stacked = Tensor.concatenate(layers.map { $0.reshaped([1, h, t, t]) }, axis: 0)
        return (encoding, stacked)
    }

    /// `a·b / (|a|·|b|)` (0 when either is zero).
    public static func cosineSimilarity(_ a: ArraySlice<Float>, _ b: ArraySlice<Float>) -> Float {
        precondition(a.count == b.count, "cosineSimilarity: lengths \(a.count) and \(b.count) differ")
        var (dot, na, nb) = (0.0, 0.0, 0.0)
        for (x, y) in zip(a, b) {
            dot += Double(x) * Double(y)
            na += Double(x) * Double(x)
            nb += Double(y) * Double(y)
        }
        return na > 0 && nb > 0 ? Float(dot / (na.squareRoot() * nb.squareRoot())) : 0
    }
}
