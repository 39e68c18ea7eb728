import Foundation
import Models
import TensorCore

/// `attention embed`: sentence embeddings with a sentence-transformers BERT model.
enum EmbedCommand: Command {
    static let name = "embed"
    static let summary = "sentence embeddings (all-MiniLM-L6-v2: 384 dims, unit length); attention maps"
    static let usage = """
    Usage: attention embed [--model minilm|PATH] [--json] [--batch-size N] [--attention-out MAPS.npy] TEXT...

    Embeds each TEXT (or each line of standard input when no TEXT is given): WordPiece tokens truncated to 256,
    the BERT encoder, mean pooling over real tokens, L2 normalization. Texts are batched by similar length,
    --batch-size at a time (default 32); results come back in input order.
    With --json: {"model": ..., "dimension": 384, "embeddings": [[...], ...]}.

    --attention-out MAPS.npy (exactly one TEXT) also writes the attention weights of every layer and head as a
    float32 NumPy array [layers, heads, tokens, tokens] = [6, 12, T, T] for MiniLM: maps[l, h, i, j] is how much
    token i attends to token j in head h of layer l (each row sums to 1). The tokens ([CLS] … [SEP]) are printed,
    and listed as "tokens" in the JSON.

    Example:
      attention embed --model minilm --json "Attention is all you need." "A cat sat on the mat."
      attention embed --attention-out maps.npy "The animal didn't cross the street because it was too tired."
    """
    static let options: Set<String> = ["model", "batch-size", "attention-out"]
    static let switches: Set<String> = ["json"]

    static func run(_ arguments: Arguments) throws {
        let modelName = arguments.string("model") ?? "minilm"
        let texts = arguments.positionals.isEmpty ? readStandardInputLines() : arguments.positionals
        guard !texts.isEmpty else { throw UsageError("give at least one TEXT, or lines on standard input") }
        let mapsPath = arguments.string("attention-out")
        if mapsPath != nil && texts.count != 1 {
            throw UsageError("--attention-out needs exactly one TEXT (got \(texts.count))")
        }
        let embedder = try loadEmbedder(modelName)
        let batchSize = try arguments.positiveInt("batch-size") ?? 32
        let embeddings = embedder.embed(texts, batchSize: batchSize)
        var tokens: [String]?
        if let mapsPath {
            let (encoding, maps) = embedder.attentionMaps(for: texts[0])
            try Npy.write(maps, to: URL(fileURLWithPath: mapsPath))
            tokens = encoding.tokens
            printError("wrote \(mapsPath) \(maps.shape) [layers, heads, tokens, tokens] for tokens: \(encoding.tokens.joined(separator: " "))")
        }
        let d = embedder.dimension
        if arguments.has("json") {
            var json = "{\"model\": \(jsonString(modelName)), \"dimension\": \(d), \"embeddings\": ["
            json += (0..<texts.count).map { row in
                "[" + embeddings.scalars[(row * d)..<((row + 1) * d)].map { "\($0)" }.joined(separator: ", ") + "]"
            }.joined(separator: ", ")
            json += "]"
            if let tokens { json += ", \"tokens\": [" + tokens.map(jsonString).joined(separator: ", ") + "]" }
            print(json + "}")
        } else {
            for (row, text) in texts.enumerated() {
                let head = embeddings.scalars[(row * d)..<(row * d + 6)].map { String(format: "%.6f", $0) }.joined(separator: ", ")
                print("\(text)\n  [\(head), …] (\(d) dimensions)")
            }
        }
    }
}

/// The sentence embedder for `--model` (a known name or a folder), with errors that say how to fetch it.
func loadEmbedder(_ model: String) throws -> SentenceEmbedder {
    try SentenceEmbedder.load(directory: try ModelStore().resolve(model))
}

/// A JSON string literal.
func jsonString(_ text: String) -> String {
    let data = try! JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes])
    return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
}
