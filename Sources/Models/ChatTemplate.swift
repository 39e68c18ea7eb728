import Foundation
import TensorCore

/// One turn of a conversation.
public struct ChatMessage: Codable, Sendable, Equatable {
    /// `system`, `user` or `assistant`.
    public var role: String
    public var content: String

    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }

    public static func system(_ content: String) -> ChatMessage { ChatMessage(role: "system", content: content) }
    public static func user(_ content: String) -> ChatMessage { ChatMessage(role: "user", content: content) }
    public static func assistant(_ content: String) -> ChatMessage { ChatMessage(role: "assistant", content: content) }
}

/// The ChatML prompt format that SmolLM2-Instruct (and Qwen, and others) were tuned on:
///
///     <|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\n{user}<|im_end|>\n<|im_start|>assistant\n
///
/// The GGUF carries the format as a Jinja template (`tokenizer.chat_template`). Rather than interpret Jinja, this
/// type recognizes a ChatML template and reads from it the one thing that varies: the default system prompt it
/// inserts when a conversation does not start with one (SmolLM2's is "You are a helpful AI assistant named
/// SmolLM, trained by Hugging Face").
public struct ChatTemplate: Sendable, Equatable {
    /// Opens a turn, followed by the role and a newline.
    public static let turnStart = "<|im_start|>"
    /// Closes a turn (the model's end-of-turn token; generation stops on it).
    public static let turnEnd = "<|im_end|>"

    /// The system prompt used when the messages do not begin with one (nil: none).
    public var defaultSystemPrompt: String?

    public init(defaultSystemPrompt: String? = nil) {
        self.defaultSystemPrompt = defaultSystemPrompt
    }

    /// Reads `tokenizer.chat_template`; a file without one gets plain ChatML with no default system prompt.
    /// - Throws: `FileFormatError` (`.unsupportedDType`) when the template is not ChatML.
    public init(gguf: GGUFFile) throws {
        guard let source = gguf.metadata["tokenizer.chat_template"]?.string else {
            self.init()
            return
        }
        guard source.contains(Self.turnStart), source.contains(Self.turnEnd) else {
            throw FileFormatError(.unsupportedDType, file: gguf.path, problem: "has a chat template that is not ChatML "
                + "(no \(Self.turnStart)/\(Self.turnEnd)); only ChatML templates are supported.")
        }
        self.init(defaultSystemPrompt: Self.defaultSystemPrompt(inTemplate: source))
    }

    /// The literal system turn a ChatML Jinja template writes when the first message is not a system one.
    static func defaultSystemPrompt(inTemplate source: String) -> String? {
        // Jinja string literals may hold the newline itself or the escape `\n`.
        let source = source.replacingOccurrences(of: "\\n", with: "\n")
        let opening = Self.turnStart + "system\n"
        guard let start = source.range(of: opening),
              let end = source.range(of: Self.turnEnd, range: start.upperBound..<source.endIndex) else { return nil }
        let text = String(source[start.upperBound..<end.lowerBound])
        // Only a literal system turn is a default prompt; text with template code in it is not.
        return text.contains("{{") || text.contains("'") || text.contains("message") ? nil : text
    }

    /// The prompt for `messages`, as the template renders it.
    /// - Parameters:
    ///   - messages: the conversation; a default system turn is prepended when the first is not `system`.
    ///   - addGenerationPrompt: end with `<|im_start|>assistant\n` so that the model answers.
    ///   - includeDefaultSystemPrompt: false when continuing a conversation whose start was already rendered.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool = true,
                       includeDefaultSystemPrompt: Bool = true) -> String {
        var text = ""
        if includeDefaultSystemPrompt, messages.first?.role != "system", let system = defaultSystemPrompt {
            text += Self.turnStart + "system\n" + system + Self.turnEnd + "\n"
        }
        for message in messages {
            text += Self.turnStart + message.role + "\n" + message.content + Self.turnEnd + "\n"
        }
        if addGenerationPrompt { text += Self.turnStart + "assistant\n" }
        return text
    }
}
