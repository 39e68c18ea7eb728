import Foundation
import Models

/// `attention tokenize`: token ids and token texts of a model's tokenizer.
enum TokenizeCommand: Command {
    static let name = "tokenize"
    static let summary = "token ids and tokens (BERT WordPiece or SmolLM2 byte-level BPE)"
    static let usage = """
    Usage: attention tokenize [--model minilm|smollm2|PATH] [--json] [--max-length N] TEXT...

    Tokenizes each TEXT (or each line of standard input when no TEXT is given). --model is minilm (default; BERT
    WordPiece, [CLS] … [SEP], truncated to the model's max_seq_length 256 unless --max-length), smollm2 (byte-level
    BPE from the GGUF, no BOS), a model folder with tokenizer.json or vocab.txt, or a .gguf file.
    With --json: {"ids": [[...], ...], "tokens": [[...], ...]}, one inner list per text.

    Example:
      attention tokenize --model minilm --json "Attention is all you need."
    """
    static let options: Set<String> = ["model", "max-length"]
    static let switches: Set<String> = ["json"]

    static func run(_ arguments: Arguments) throws {
        let texts = arguments.positionals.isEmpty ? readStandardInputLines() : arguments.positionals
        let location = try ModelStore().resolve(arguments.string("model") ?? "minilm")
        var ids: [[Int]] = []
        var tokens: [[String]] = []
        if location.pathExtension == "gguf" {
            let tokenizer = try ByteLevelBPETokenizer(gguf: GGUFFile(contentsOf: location))
            ids = texts.map { tokenizer.encode($0) }
            tokens = ids.map { tokenizer.tokens(for: $0) }
        } else {
            let tokenizer = try BERTTokenizer.load(modelDirectory: location)
            let encodings = tokenizer.encode(batch: texts, maxLength: try arguments.positiveInt("max-length"))
            ids = encodings.map(\.ids)
            tokens = encodings.map(\.tokens)
        }
        if arguments.has("json") {
            let data = try JSONSerialization.data(withJSONObject: ["ids": ids, "tokens": tokens], options: [.sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
        } else {
            for (row, text) in texts.enumerated() {
                if texts.count > 1 { print(text) }
                print("ids:    \(ids[row])")
                print("tokens: \(tokens[row].joined(separator: " "))")
            }
        }
    }
}

/// The lines of standard input (for commands that take texts as arguments or on stdin).
func readStandardInputLines() -> [String] {
    var lines: [String] = []
    while let line = readLine() { lines.append(line) }
    return lines
}
