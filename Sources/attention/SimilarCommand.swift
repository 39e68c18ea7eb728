import Foundation
import Models

/// `attention similar`: semantic search over the lines of a file.
enum SimilarCommand: Command {
    static let name = "similar"
    static let summary = "rank the lines of a file by meaning (cosine similarity of embeddings)"
    static let usage = """
    Usage: attention similar [--model minilm|PATH] --query TEXT FILE [--top N] [--batch-size N] [--json]

    Embeds every non-empty line of FILE (- for standard input) and the query, and prints the N most similar
    lines (default 10), best first, with their cosine similarity and line number. A progress bar on standard
    error follows files of more than 64 lines.

    Example:
      attention similar --query "a play about jealousy" plays.txt --top 5
    """
    static let options: Set<String> = ["model", "query", "top", "batch-size"]
    static let switches: Set<String> = ["json"]

    static func run(_ arguments: Arguments) throws {
        let query = try arguments.required("query")
        guard let path = arguments.positionals.first else { throw UsageError("give the FILE whose lines to rank") }
        let text: String
        if path == "-" {
            text = readStandardInputLines().joined(separator: "\n")
        } else {
            do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
                throw UsageError("cannot read \(path) as UTF-8 text: \(error.localizedDescription)")
            }
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            .map { (number: $0.offset + 1, text: String($0.element).trimmingCharacters(in: .whitespacesAndNewlines)) }
            .filter { !$0.text.isEmpty }
        guard !lines.isEmpty else { throw UsageError("\(path) has no non-empty lines") }
        let top = try arguments.positiveInt("top") ?? 10
        let embedder = try loadEmbedder(arguments.string("model") ?? "minilm")
        let batchSize = try arguments.positiveInt("batch-size") ?? 32
        let bar = lines.count > 64 ? ProgressBar(total: lines.count, label: "embedding") : nil
        let vectors = embedder.embed(lines.map(\.text), batchSize: batchSize) { bar?.update($0) }
        bar?.finish()
        let q = embedder.embed(query)
        let d = embedder.dimension
        let ranked = lines.indices.map { row in
            (row, SentenceEmbedder.cosineSimilarity(vectors.scalars[(row * d)..<((row + 1) * d)], q[...]))
        }.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.prefix(top)
        if arguments.has("json") {
            let results: [[String: Any]] = ranked.map { ["line": lines[$0.0].number, "text": lines[$0.0].text, "score": Double($0.1)] }
            let data = try JSONSerialization.data(withJSONObject: ["query": query, "results": results], options: [.sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
        } else {
            for (row, score) in ranked {
                print(String(format: "%.4f  %6d  ", score, lines[row].number) + lines[row].text)
            }
        }
    }
}

/// A one-line progress bar on standard error: `embedding [#########.........] 512/1000`.
final class ProgressBar {
    let total: Int
    let label: String
    private var lastDrawn = -1

    init(total: Int, label: String) {
        self.total = total
        self.label = label
        update(0)
    }

    func update(_ done: Int) {
        let width = 30
        let filled = total == 0 ? width : width * done / total
        guard filled != lastDrawn || done == total else { return }
        lastDrawn = filled
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        FileHandle.standardError.write(Data("\r\(label) [\(bar)] \(done)/\(total)".utf8))
    }

    func finish() { FileHandle.standardError.write(Data("\n".utf8)) }
}
