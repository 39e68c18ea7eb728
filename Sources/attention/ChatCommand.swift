import Foundation
import Models

/// `attention chat`: a conversation with the instruct model that keeps its KV cache across turns.
enum ChatCommand: Command {
    static let name = "chat"
    static let summary = "talk to SmolLM2-135M-Instruct; keeps the KV cache across turns (/reset, /quit)"
    static let usage = """
    Usage: attention chat [--model smollm2|PATH.gguf] [--system TEXT] [--max-tokens N] [--context N]
                          [--temperature T] [--top-k K] [--top-p P] [--repetition-penalty R] [--seed S] [--threads N]

    Reads one user message per line from standard input (the terminal, or a pipe) and streams the answer, one
    reply per turn followed by a newline. The conversation is rendered with the model's chat template (ChatML);
    each turn only runs the new tokens, since the keys and values of earlier turns stay in the KV cache.

      /reset           forget the conversation and start a new one
      /quit            end (so does the end of input, Ctrl-D)

      --system TEXT    the system turn (default: the one in the model's template)
      --max-tokens N   most tokens per reply (default 512)
      --context N      tokens the conversation may use (default and maximum: the model's context, 8192 for SmolLM2);
                       when a turn does not fit, it says so and waits for /reset
      sampling options as for `attention generate`: greedy by default (--temperature 0)

    Example:
      printf 'My name is Ada.\\nWhat is my name?\\n' | attention chat --model smollm2
    """
    static let options: Set<String> = ["model", "system", "max-tokens", "context", "temperature", "top-k", "top-p",
                                       "repetition-penalty", "seed"]

    static func run(_ arguments: Arguments) throws {
        guard arguments.positionals.isEmpty else {
            throw UsageError("chat reads messages from standard input; unexpected argument '\(arguments.positionals[0])'")
        }
        let sampling = try GenerateCommand.samplingOptions(arguments)
        let maxTokens = try arguments.positiveInt("max-tokens") ?? 512
        let llama = try LoadedLlama(arguments.string("model") ?? "smollm2")
        let modelContext = llama.model.configuration.contextLength
        let context = min(try arguments.positiveInt("context") ?? modelContext, modelContext)
        let system = arguments.string("system")
        let stopIDs = llama.stopIDs(chat: true)
        let turnEnd = llama.tokenizer.id(of: ChatTemplate.turnEnd)
        let interactive = isatty(STDIN_FILENO) != 0
        let session = LlamaSession(model: llama.model)

        if interactive {
            printError("Chatting with \(llama.file.lastPathComponent) (context \(context) tokens). "
                + "/reset starts over, /quit or Ctrl-D ends.")
        }
        while true {
            if interactive { writeOutput("> ") }
            guard let line = readLine() else { break }
            let message = line.trimmingCharacters(in: .whitespaces)
            if message.isEmpty { continue }
            if message == "/quit" || message == "/exit" { break }
            if message == "/reset" {
                session.reset()
                printError("[conversation reset]")
                continue
            }
            // A new conversation renders the system turn; a continuing one closes the previous reply's turn (its
            // <|im_end|> is the pending token, fed with this prompt, unless the reply was cut short).
            var text: String
            if session.ids.isEmpty {
                text = llama.template.render((system.map { [ChatMessage.system($0)] } ?? []) + [.user(message)])
            } else {
                text = (session.pendingID == turnEnd ? "" : ChatTemplate.turnEnd) + "\n"
                    + llama.template.render([.user(message)], includeDefaultSystemPrompt: false)
            }
            let prompt = llama.tokenizer.encode(text)
            let used = session.ids.count + prompt.count
            guard used < context else {
                printError("[the context is full: this turn needs \(used + 1) tokens and the context holds \(context). "
                    + "Type /reset to start a new conversation.]")
                continue
            }
            let budget = min(maxTokens, context - used)
            var stream = llama.tokenizer.makeStreamingDecoder()
            let result = try session.generate(prompt, options: GenerationOptions(maxTokens: budget, sampling: sampling,
                                                                                 stopIDs: stopIDs)) { id in
                writeOutput(stream.append(id))
                return true
            }
            writeOutput(stream.finish() + "\n")
            if result.stopReason == .contextFull || (result.stopReason == .maxTokens && budget < maxTokens) {
                printError("[the context is full (\(context) tokens); the reply was cut. Type /reset to start a new conversation.]")
            } else if result.stopReason == .maxTokens {
                printError("[reply cut at --max-tokens \(maxTokens)]")
            }
        }
    }
}
