import Foundation
import TensorCore

let commands: [any Command.Type] = [
    DemoCommand.self,
    SDPACommand.self,
    BenchCommand.self,
    TokenizeCommand.self,
    EmbedCommand.self,
    SimilarCommand.self,
    ModelsCommand.self,
    LayerCommand.self,
    PositionalEncodingCommand.self,
    LessonCommand.self,
    TourCommand.self,
    VizCommand.self,
    GenerateCommand.self,
    ChatCommand.self,
]

let overview = """
attention — attention mechanisms and transformers in Swift, on the CPU.

Usage: attention <command> [options]     (attention <command> --help for details)

Commands:
\(commands.map { "  \($0.name.padding(toLength: 22, withPad: " ", startingAt: 0))\($0.summary)" }.joined(separator: "\n"))

Mask convention everywhere: a Boolean mask is true where attention is allowed; a float mask is added to the scores.
Threads: --threads N on computing commands, else $ATTENTION_THREADS, else all cores.
"""

let argv = Array(CommandLine.arguments.dropFirst())
guard let first = argv.first, first != "--help", first != "-h", first != "help" else {
    print(overview)
    exit(argv.isEmpty ? 2 : 0)
}
guard let command = commands.first(where: { $0.name == first }) else {
    printError("attention: unknown command '\(first)'. Run 'attention --help' for the list.")
    exit(2)
}
do {
    let arguments = try Arguments(Array(argv.dropFirst()), options: command.options.union(["threads"]), switches: command.switches)
    if arguments.helpRequested {
        print(command.usage)
        exit(0)
    }
    try applyThreads(arguments)
    try command.run(arguments)
} catch let error as UsageError {
    printError("attention \(command.name): \(error.description)\nRun 'attention \(command.name) --help' for usage.")
    exit(2)
} catch {
    printError("attention \(command.name): \(error)")
    exit(1)
}
