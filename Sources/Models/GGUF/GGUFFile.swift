import Foundation
import TensorCore

/// One tensor's entry in a GGUF file's tensor table.
///
/// GGUF (like ggml) lists dimensions fastest-varying first: a PyTorch weight of shape `[out, in]` is stored with
/// `dimensions == [in, out]`. ``shape`` gives the PyTorch order, outermost first, which is the order ``Tensor`` uses.
public struct GGUFTensorInfo: Sendable, Equatable {
    /// The tensor's name, e.g. `blk.0.attn_q.weight`.
    public let name: String
    /// The extents as stored in the file, fastest-varying first (ggml's `ne`).
    public let dimensions: [Int]
    /// The storage type of the elements.
    public let type: GGMLType
    /// The byte offset of the first element from the start of the data section.
    public let dataOffset: Int
    /// The bytes the tensor occupies in the file, as absolute file offsets.
    public let byteRange: Range<Int>

    /// The extents outermost first (PyTorch / NumPy order): `dimensions.reversed()`.
    public var shape: [Int] { dimensions.reversed() }
    /// The number of elements (1 for a tensor with no dimensions).
    public var elementCount: Int { dimensions.reduce(1, *) }
    /// The number of bytes the tensor occupies.
    public var byteCount: Int { byteRange.count }
}

/// A GGUF model file, memory-mapped: metadata, the tensor table, and zero-copy access to tensor bytes.
///
/// Layout (little-endian): `"GGUF"`, `u32 version`, `u64 tensorCount`, `u64 metadataCount`, the metadata key/value
/// pairs, the tensor infos (`name`, `u32 dimensionCount`, `u64 dimensions[]`, `u32 type`, `u64 offset`), padding to
/// `general.alignment` (default 32), then the data section that the tensor offsets point into.
///
/// Every count, length, type and offset is checked against the file's length before it is used; a malformed file
/// throws `FileFormatError` naming the file and the problem.
///
/// ```swift
/// let gguf = try GGUFFile(contentsOf: url)
/// let layers = gguf.metadata["llama.block_count"]?.int          // 30
/// let embedding = try gguf.dequantized("token_embd.weight")    // shape [49152, 576]
/// ```
///
/// - Complexity: opening is O(metadata + tensor table); tensor bytes are not read until asked for.
/// - Reference: ggml `docs/gguf.md` (versions 2 and 3; version 1 used 32-bit counts and is not read).
public struct GGUFFile: Sendable {
    /// The path of the file, or a description of the in-memory source.
    public let path: String
    /// The format version, 2 or 3.
    public let version: UInt32
    /// Every metadata value by key.
    public let metadata: [String: GGUFValue]
    /// The metadata keys in file order.
    public let metadataKeys: [String]
    /// The tensor table in file order.
    public let tensors: [GGUFTensorInfo]
    /// The alignment of the data section and of every tensor in it (`general.alignment`, default 32).
    public let alignment: Int
    /// The absolute file offset of the data section.
    public let dataSectionOffset: Int
    /// The whole file (memory-mapped when read from disk).
    public let data: Data

    private let tensorIndex: [String: Int]

    /// Opens and validates a GGUF file, memory-mapping it.
    /// - Throws: `FileFormatError` when the file cannot be read or is not valid GGUF.
    public init(contentsOf url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw FileFormatError(.unreadable, url: url, problem: "cannot be read (\(error.localizedDescription)).")
        }
        try self.init(data: data, path: url.path)
    }

    /// Parses and validates GGUF bytes already in memory; `path` names them in errors.
    /// - Throws: `FileFormatError`.
    public init(data: Data, path: String = "<memory>") throws {
        self.data = data
        self.path = path
        let header = try data.withUnsafeBytes { raw in
            var reader = GGUFReader(bytes: raw, file: path)
            return try reader.readHeader()
        }
        version = header.version
        metadata = header.metadata
        metadataKeys = header.metadataKeys
        tensors = header.tensors
        alignment = header.alignment
        dataSectionOffset = header.dataSectionOffset
        var index: [String: Int] = [:]
        for (i, tensor) in tensors.enumerated() { index[tensor.name] = i }
        tensorIndex = index
    }

    /// The tensor info with this name, or `nil`.
    public func tensor(named name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// The tensor's raw bytes as a slice of the mapped file, without copying.
    ///
    /// The slice keeps the file's indices: its `startIndex` is `info.byteRange.lowerBound`, not 0.
    public func tensorData(_ info: GGUFTensorInfo) -> Data {
        data[(data.startIndex + info.byteRange.lowerBound)..<(data.startIndex + info.byteRange.upperBound)]
    }

    /// Calls `body` with the tensor's raw bytes, without copying.
    public func withUnsafeTensorBytes<R>(_ info: GGUFTensorInfo,
                                         _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try data.withUnsafeBytes { raw in
            try body(UnsafeRawBufferPointer(rebasing: raw[info.byteRange]))
        }
    }

    /// The named tensor converted to `Float`, shape outermost first (``GGUFTensorInfo/shape``).
    /// - Throws: `FileFormatError` when there is no such tensor or its type cannot be dequantized.
    public func dequantized(_ name: String) throws -> Tensor {
        guard let info = tensor(named: name) else {
            let hints = FileFormatError.suggestions(for: name, among: tensors.map(\.name))
            throw FileFormatError(.missingEntry, file: path, problem: "has no tensor named '\(name)'"
                + (hints.isEmpty ? "." : "; did you mean \(hints.map { "'\($0)'" }.joined(separator: ", "))?"))
        }
        return try dequantized(info)
    }

    /// The tensor converted to `Float`, shape outermost first (``GGUFTensorInfo/shape``).
    ///
    /// Rows (runs of `dimensions[0]` elements) are dequantized in parallel.
    /// - Throws: `FileFormatError` (`.unsupportedDType`) for types other than
    ///   F32, F16, BF16, Q8_0, Q4_0 and Q4_1.
    public func dequantized(_ info: GGUFTensorInfo) throws -> Tensor {
        guard GGUFQuantization.canDequantize(info.type) else {
            throw FileFormatError(.unsupportedDType, file: path, problem: "tensor '\(info.name)' has type \(info.type), "
                + "which cannot be dequantized yet (supported: F32, F16, BF16, Q8_0, Q4_0, Q4_1).")
        }
        let count = info.elementCount
        let rowLength = info.dimensions.first ?? 1
        let rows = rowLength == 0 ? 0 : count / rowLength
        let rowBytes = info.type.byteCount(elements: rowLength)
        let scalars = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            withUnsafeTensorBytes(info) { source in
                let output = UncheckedSendable(buffer.baseAddress)
                let chunk = Swift.max(1, 65_536 / Swift.max(1, rowLength))
                Parallelism.parallelFor((rows + chunk - 1) / chunk) { block in
                    guard let base = output.value, let from = source.baseAddress else { return }
                    for row in (block * chunk)..<Swift.min(rows, (block + 1) * chunk) {
                        GGUFQuantization.dequantizeRow(type: info.type, bytes: from + row * rowBytes,
                                                       count: rowLength, into: base + row * rowLength)
                    }
                }
            }
            initialized = count
        }
        return Tensor(shape: info.shape, scalars: scalars)
    }
}

extension GGUFFile {
    /// The integer metadata value at `key`.
    /// - Throws: `FileFormatError` (`.missingEntry`, `.typeMismatch`) naming the file and the key.
    public func integer(_ key: String) throws -> Int {
        let value = try requiredValue(key)
        guard let result = value.int else { throw mismatch(key, value, expected: "an integer") }
        return result
    }

    /// The numeric metadata value at `key`, as `Float`.
    /// - Throws: `FileFormatError` (`.missingEntry`, `.typeMismatch`) naming the file and the key.
    public func float(_ key: String) throws -> Float {
        let value = try requiredValue(key)
        guard let result = value.float else { throw mismatch(key, value, expected: "a number") }
        return result
    }

    /// The string metadata value at `key`.
    /// - Throws: `FileFormatError` (`.missingEntry`, `.typeMismatch`) naming the file and the key.
    public func string(_ key: String) throws -> String {
        let value = try requiredValue(key)
        guard let result = value.string else { throw mismatch(key, value, expected: "a string") }
        return result
    }

    private func requiredValue(_ key: String) throws -> GGUFValue {
        guard let value = metadata[key] else {
            throw FileFormatError(.missingEntry, file: path, problem: "has no metadata key '\(key)'.")
        }
        return value
    }

    private func mismatch(_ key: String, _ value: GGUFValue, expected: String) -> FileFormatError {
        FileFormatError(.typeMismatch, file: path, problem: "has metadata '\(key)' = \(value), not \(expected).")
    }
}
