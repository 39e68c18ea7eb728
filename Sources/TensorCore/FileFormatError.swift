import Foundation

/// The one error every file reader in the project throws: which file, what kind of problem, and a sentence a
/// newcomer can act on.
///
/// ```
/// model.safetensors: tensor 'embeddings.weight' data [120, 9000) lies beyond the end of the file (8000 bytes)
/// ```
///
/// Readers for NumPy `.npy`, safetensors, GGUF and tokenizer JSON share it, so callers catch one type and tests
/// can match on `kind` without parsing the sentence.
public struct FileFormatError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The broad category of a problem, for code that reacts differently to each.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// The file could not be opened, read or written at all (missing, permissions, disk full).
        case unreadable
        /// The file ends before the format says it should.
        case truncated
        /// The first bytes are not this format's signature.
        case badMagic
        /// A format version this reader does not know.
        case unsupportedVersion
        /// The header is malformed: bad JSON or Python literal, a missing or mistyped field.
        case badHeader
        /// An element type this reader cannot convert.
        case unsupportedDType
        /// Big-endian data, which no reader here byte-swaps.
        case byteOrder
        /// Column-major (Fortran) element order.
        case fortranOrder
        /// A shape that is negative, or whose element or byte count overflows `Int`.
        case invalidShape
        /// The bytes present do not match what the shape and element type require.
        case sizeMismatch
        /// A data range that lies outside the file or is reversed.
        case offsetOutOfBounds
        /// Two tensors claim the same bytes.
        case overlappingData
        /// The caller asked for an entry the file does not contain.
        case missingEntry
        /// The entry exists but holds a different kind of value than the caller asked for.
        case typeMismatch
    }

    /// The category of the problem.
    public var kind: Kind
    /// The path of the offending file, as given to the reader.
    public var file: String
    /// A complete sentence describing the problem, without the file name.
    public var problem: String

    /// Creates an error for the file at `file` (a path).
    public init(_ kind: Kind, file: String, problem: String) {
        self.kind = kind
        self.file = file
        self.problem = problem
    }

    /// Creates an error for the file at `url`.
    public init(_ kind: Kind, url: URL, problem: String) {
        self.init(kind, file: url.path, problem: problem)
    }

    /// `"<file>: <problem>"`.
    public var description: String { "\(file): \(problem)" }
}

extension FileFormatError: LocalizedError {
    public var errorDescription: String? { description }
}

extension FileFormatError {
    /// The product of `extents` times `itemSize`, or `nil` when an extent is negative or the product overflows.
    ///
    /// Readers call this on shapes read from disk, where `(99999999999999, 99999999999)` must be an error, not a trap.
    public static func checkedByteCount(extents: [Int], itemSize: Int) -> (elements: Int, bytes: Int)? {
        var elements = 1
        for extent in extents {
            guard extent >= 0 else { return nil }
            let (product, overflow) = elements.multipliedReportingOverflow(by: extent)
            if overflow { return nil }
            elements = product
        }
        let (bytes, overflow) = elements.multipliedReportingOverflow(by: itemSize)
        return overflow ? nil : (elements, bytes)
    }

    /// Names from `candidates` that look like `name` (shared prefix, suffix or small edit distance), best first,
    /// for "did you mean" hints.
    public static func suggestions(for name: String, among candidates: [String], limit: Int = 3) -> [String] {
        guard !name.isEmpty else { return [] }
        let target = Array(name.lowercased().utf8)
        let scored = candidates.compactMap { candidate -> (String, Int)? in
            let other = Array(candidate.lowercased().utf8)
            let distance = editDistance(target, other, cap: max(3, target.count / 3))
            let related = candidate.lowercased().hasSuffix(name.lowercased()) || name.lowercased().hasSuffix(candidate.lowercased())
            guard distance <= max(3, target.count / 3) || related else { return nil }
            return (candidate, related ? min(distance, 1) : distance)
        }
        return scored.sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }.prefix(limit).map(\.0)
    }

    /// Levenshtein distance, giving up early (returning `cap + 1`) once every path exceeds `cap`.
    private static func editDistance(_ a: [UInt8], _ b: [UInt8], cap: Int) -> Int {
        if abs(a.count - b.count) > cap { return cap + 1 }
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            var rowMinimum = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(substitution, previous[j] + 1, current[j - 1] + 1)
                rowMinimum = min(rowMinimum, current[j])
            }
            if rowMinimum > cap { return cap + 1 }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
