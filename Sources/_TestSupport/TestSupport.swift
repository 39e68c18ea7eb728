import Foundation
import TensorCore

/// Shared tolerances for golden-file comparisons.
public enum Tolerance {
    /// Float32 kernels against a float64 reference.
    public static let kernel: Float = 1e-5
}

/// Locates golden files copied into a test bundle's `Resources` folder.
public enum GoldenFiles {
    /// `Resources/<subdirectory>` inside `bundle` (pass `Bundle.module` from the test target).
    public static func directory(_ subdirectory: String, in bundle: Bundle) -> URL {
        // Foundation on Linux reports `<bundle>/Resources` as the resource URL; Apple platforms report the bundle root.
        var resources = bundle.resourceURL!
        let nested = resources.appendingPathComponent("Resources")
        if FileManager.default.fileExists(atPath: nested.path) { resources = nested }
        return subdirectory.isEmpty ? resources : resources.appendingPathComponent(subdirectory)
    }
}

/// Where the real models live for tests: `$SWIFT_ATTENTION_CACHE` or `~/.cache/swift-attention`.
public enum TestModels {
    public static var cacheDirectory: URL {
        if let path = ProcessInfo.processInfo.environment["SWIFT_ATTENTION_CACHE"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/swift-attention")
    }
}
