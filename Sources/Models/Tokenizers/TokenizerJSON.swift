import Foundation
import TensorCore

/// Reads the parts of a Hugging Face `tokenizer.json` that a BERT WordPiece tokenizer uses.
///
/// Format (tokenizers ≥ 0.10, `"version": "1.0"`): `model` (`type: "WordPiece"`, `vocab`, `unk_token`,
/// `continuing_subword_prefix`, `max_input_chars_per_word`), `normalizer` (`BertNormalizer`: `clean_text`,
/// `handle_chinese_chars`, `strip_accents`, `lowercase`), `pre_tokenizer` (`BertPreTokenizer`), `post_processor`
/// (`TemplateProcessing` or `BertProcessing`, naming `[CLS]` and `[SEP]`), `decoder` (`WordPiece`, `cleanup`),
/// `added_tokens` (`id`, `content`, `special`), `padding` (`pad_token`). `truncation` and `padding` lengths are
/// ignored: lengths are chosen per call.
enum TokenizerJSON {
    /// Parses `url` as a JSON object.
    static func readObject(_ url: URL) throws -> [String: Any] {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw FileFormatError(.unreadable, url: url, problem: "cannot read the file (\(error.localizedDescription)).")
        }
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw FileFormatError(.badHeader, url: url, problem: "the file is not valid JSON (\(error.localizedDescription)).")
        }
        guard let object = parsed as? [String: Any] else {
            throw FileFormatError(.badHeader, url: url, problem: "the file's top level is not a JSON object.")
        }
        return object
    }

    /// ``readObject(_:)``, or `nil` when the file does not exist.
    static func optionalObject(_ url: URL) throws -> [String: Any]? {
        FileManager.default.fileExists(atPath: url.path) ? try readObject(url) : nil
    }

    /// Builds a ``BERTTokenizer`` from a `tokenizer.json`.
    static func load(_ url: URL) throws -> BERTTokenizer {
        let root = try readObject(url)
        func bad(_ problem: String) -> FileFormatError { FileFormatError(.badHeader, url: url, problem: problem) }
        func type(of value: Any?) -> String? { (value as? [String: Any])?["type"] as? String }

        guard let model = root["model"] as? [String: Any] else {
            throw bad("there is no 'model' object; this does not look like a Hugging Face tokenizer.json.")
        }
        if let kind = model["type"] as? String, kind != "WordPiece" {
            throw bad("the model type is '\(kind)'; only 'WordPiece' (BERT) tokenizers are supported here.")
        }
        let vocabulary = try WordPiece.vocabulary(fromJSON: model["vocab"], url: url)
        let unknown = model["unk_token"] as? String ?? "[UNK]"
        guard vocabulary.contains(unknown) else {
            throw FileFormatError(.missingEntry, url: url, problem: "'model.vocab' has no unknown token '\(unknown)'.")
        }
        let wordPiece = WordPiece(vocabulary: vocabulary, unknownToken: unknown,
                                  continuationPrefix: model["continuing_subword_prefix"] as? String ?? "##",
                                  maxCharactersPerWord: model["max_input_chars_per_word"] as? Int ?? 100)

        let basic: BasicTokenizer
        switch root["normalizer"] {
        case nil, is NSNull:
            basic = BasicTokenizer(lowercase: false, stripAccents: false, cleanText: false,
                                   handleChineseCharacters: false)
        case let normalizer as [String: Any] where normalizer["type"] as? String == "BertNormalizer":
            let lowercase = normalizer["lowercase"] as? Bool ?? true
            basic = BasicTokenizer(lowercase: lowercase, stripAccents: normalizer["strip_accents"] as? Bool,
                                   cleanText: normalizer["clean_text"] as? Bool ?? true,
                                   handleChineseCharacters: normalizer["handle_chinese_chars"] as? Bool ?? true)
        case let other:
            throw bad("the normalizer '\(type(of: other) ?? "?")' is not supported; expected 'BertNormalizer'.")
        }
        let preTokenizer = type(of: root["pre_tokenizer"])
        guard preTokenizer == "BertPreTokenizer" else {
            throw bad("the pre-tokenizer '\(preTokenizer ?? "none")' is not supported; expected 'BertPreTokenizer'.")
        }

        var classification = "[CLS]"
        var separator = "[SEP]"
        if let processor = root["post_processor"] as? [String: Any] {
            switch processor["type"] as? String {
            case "TemplateProcessing":
                let single = processor["single"] as? [[String: Any]] ?? []
                func special(_ item: [String: Any]?) -> String? {
                    (item?["SpecialToken"] as? [String: Any])?["id"] as? String
                }
                guard single.count == 3, let first = special(single.first), let last = special(single.last) else {
                    throw bad("the post-processor template is not '[CLS] $A [SEP]'.")
                }
                (classification, separator) = (first, last)
            case "BertProcessing":
                guard let cls = (processor["cls"] as? [Any])?.first as? String,
                      let sep = (processor["sep"] as? [Any])?.first as? String else {
                    throw bad("the BertProcessing post-processor lacks 'cls' or 'sep'.")
                }
                (classification, separator) = (cls, sep)
            case let other:
                throw bad("the post-processor '\(other ?? "?")' is not supported; expected TemplateProcessing "
                          + "or BertProcessing.")
            }
        }

        var added: [(String, Int)] = []
        var special = Set<Int>()
        for item in root["added_tokens"] as? [[String: Any]] ?? [] {
            guard let content = item["content"] as? String, let id = item["id"] as? Int else {
                throw bad("an entry of 'added_tokens' lacks 'content' or 'id'.")
            }
            guard id >= 0 && id < vocabulary.count else {
                throw bad("added token '\(content)' has id \(id), outside the vocabulary of \(vocabulary.count).")
            }
            added.append((content, id))
            if item["special"] as? Bool ?? false { special.insert(id) }
        }
        let padding = (root["padding"] as? [String: Any])?["pad_token"] as? String ?? "[PAD]"
        let cleanup = type(of: root["decoder"]) == "WordPiece"
            ? (root["decoder"] as? [String: Any])?["cleanup"] as? Bool ?? true : true
        return try BERTTokenizer(basicTokenizer: basic, wordPiece: wordPiece, maxLength: 512,
                                 classificationToken: classification, separatorToken: separator, paddingToken: padding,
                                 addedTokens: added, specialTokenIDs: special, decoderCleanup: cleanup, file: url)
    }
}
