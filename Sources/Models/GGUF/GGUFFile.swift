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

    /// Deepest array nesting accepted in metadata; real files use at most 1.
    static let maximumArrayNesting = 8

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

/// What the header parse produces.
struct GGUFHeader {
    var version: UInt32
    var metadata: [String: GGUFValue]
    var metadataKeys: [String]
    var tensors: [GGUFTensorInfo]
    var alignment: Int
    var dataSectionOffset: Int
}

/// A bounds-checked little-endian cursor over the file's bytes.
struct GGUFReader {
    let bytes: UnsafeRawBufferPointer
    let file: String
    var offset = 0

    init(bytes: UnsafeRawBufferPointer, file: String) {
        self.bytes = bytes
        self.file = file
    }

    private var remaining: Int { bytes.count - offset }

    private func fail(_ kind: FileFormatError.Kind, _ problem: String) -> FileFormatError {
        FileFormatError(kind, file: file, problem: problem)
    }

    private func need(_ count: Int, _ what: @autoclosure () -> String) throws {
        if count > remaining {
            throw fail(.truncated, "ends early: \(what()) needs \(count) bytes at offset \(offset), but the file has "
                + "\(bytes.count) bytes; it is truncated or corrupt.")
        }
    }

    private mutating func load<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws -> T {
        try need(MemoryLayout<T>.size, what())
        let value = bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += MemoryLayout<T>.size
        return T(littleEndian: value)
    }

    /// Checks that `count` items of at least `minimumSize` bytes each can fit in the rest of the file.
    private func checkCount(_ count: UInt64, minimumSize: Int, _ what: @autoclosure () -> String) throws {
        if count > UInt64(remaining / Swift.max(1, minimumSize)) {
            throw fail(.truncated, "\(what()) is \(count), more than the \(remaining) bytes left in the file can hold; "
                + "it is truncated or corrupt.")
        }
    }

    private mutating func string(_ what: @autoclosure () -> String) throws -> String {
        let length = try load(UInt64.self, "\(what()) length")
        try checkCount(length, minimumSize: 1, "the length of \(what())")
        let count = Int(length)
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)]), as: UTF8.self)
        offset += count
        return text
    }

    mutating func readHeader() throws -> GGUFHeader {
        try need(4, "the magic bytes")
        guard bytes[0] == 0x47, bytes[1] == 0x47, bytes[2] == 0x55, bytes[3] == 0x46 else {
            throw fail(.badMagic, "does not start with the magic bytes 'GGUF'; it is not a GGUF file.")
        }
        offset = 4
        let version = try load(UInt32.self, "the version")
        guard version == 2 || version == 3 else {
            if version.byteSwapped == 2 || version.byteSwapped == 3 {
                throw fail(.byteOrder, "is a big-endian GGUF file; only little-endian files are read.")
            }
            throw fail(.unsupportedVersion, "has GGUF version \(version); only versions 2 and 3 are read.")
        }
        let tensorCount = try load(UInt64.self, "the tensor count")
        let metadataCount = try load(UInt64.self, "the metadata count")
        // Smallest key/value: empty key (8) + type (4) + one byte; smallest tensor info: empty name (8) + n_dims (4)
        // + type (4) + offset (8).
        try checkCount(metadataCount, minimumSize: 13, "the metadata count")
        try checkCount(tensorCount, minimumSize: 24, "the tensor count")

        var metadata: [String: GGUFValue] = [:]
        var keys: [String] = []
        metadata.reserveCapacity(Int(metadataCount))
        keys.reserveCapacity(Int(metadataCount))
        for index in 0..<Int(metadataCount) {
            let key = try string("metadata key #\(index)")
            let type = try load(UInt32.self, "the type of metadata '\(key)'")
            let value = try self.value(type: type, key: key, depth: 0)
            guard metadata.updateValue(value, forKey: key) == nil else {
                throw fail(.badHeader, "has metadata key '\(key)' twice.")
            }
            keys.append(key)
        }

        var alignment = 32
        if let value = metadata["general.alignment"] {
            guard let a = value.int, a > 0, a.nonzeroBitCount == 1 else {
                throw fail(.badHeader, "has general.alignment \(value), which is not a positive power of two.")
            }
            alignment = a
        }

        var infos: [(name: String, dimensions: [Int], type: GGMLType, offset: UInt64)] = []
        infos.reserveCapacity(Int(tensorCount))
        var names = Set<String>()
        for index in 0..<Int(tensorCount) {
            let name = try string("the name of tensor #\(index)")
            guard names.insert(name).inserted else { throw fail(.badHeader, "has tensor '\(name)' twice.") }
            let dimensionCount = try load(UInt32.self, "the dimension count of tensor '\(name)'")
            guard dimensionCount <= 4 else {
                throw fail(.invalidShape, "tensor '\(name)' has \(dimensionCount) dimensions; at most 4 are allowed.")
            }
            var dimensions: [Int] = []
            var elements = 1
            for axis in 0..<Int(dimensionCount) {
                let extent = try load(UInt64.self, "dimension \(axis) of tensor '\(name)'")
                guard let e = Int(exactly: extent), e <= Int(Int64.max) else {
                    throw fail(.invalidShape, "tensor '\(name)' has extent \(extent), which is too large.")
                }
                let (product, overflow) = elements.multipliedReportingOverflow(by: e)
                guard !overflow else {
                    throw fail(.invalidShape, "tensor '\(name)' has an element count that overflows 64 bits.")
                }
                elements = product
                dimensions.append(e)
            }
            let rawType = try load(UInt32.self, "the type of tensor '\(name)'")
            guard let type = GGMLType(rawValue: rawType) else {
                throw fail(.unsupportedDType, "tensor '\(name)' has unknown ggml type \(rawType).")
            }
            let rowLength = dimensions.first ?? 1
            guard rowLength % type.blockSize == 0 else {
                throw fail(.invalidShape, "tensor '\(name)' has rows of \(rowLength) elements, not a multiple of the "
                    + "\(type) block size \(type.blockSize).")
            }
            let tensorOffset = try load(UInt64.self, "the offset of tensor '\(name)'")
            infos.append((name, dimensions, type, tensorOffset))
        }

        let dataSectionOffset = (offset + alignment - 1) / alignment * alignment
        let dataSectionSize = Swift.max(0, bytes.count - dataSectionOffset)
        var tensors: [GGUFTensorInfo] = []
        tensors.reserveCapacity(infos.count)
        for info in infos {
            let elements = info.dimensions.reduce(1, *)
            let blocks = elements / info.type.blockSize
            let (byteCount, overflow) = blocks.multipliedReportingOverflow(by: info.type.blockByteCount)
            guard !overflow, info.offset <= UInt64(dataSectionSize),
                  byteCount <= dataSectionSize - Int(info.offset) else {
                throw fail(.offsetOutOfBounds, "tensor '\(info.name)' (\(info.type), \(overflow ? "too many" : "\(byteCount)") "
                    + "bytes at data offset \(info.offset)) does not fit in the \(dataSectionSize)-byte data section.")
            }
            guard Int(info.offset) % alignment == 0 else {
                throw fail(.offsetOutOfBounds, "tensor '\(info.name)' starts at data offset \(info.offset), which is not a "
                    + "multiple of the alignment \(alignment).")
            }
            let start = dataSectionOffset + Int(info.offset)
            tensors.append(GGUFTensorInfo(name: info.name, dimensions: info.dimensions, type: info.type,
                                          dataOffset: Int(info.offset), byteRange: start..<(start + byteCount)))
        }
        return GGUFHeader(version: version, metadata: metadata, metadataKeys: keys, tensors: tensors,
                          alignment: alignment, dataSectionOffset: dataSectionOffset)
    }

    /// The smallest encoding of one value of a GGUF value type, for bounding array counts before allocating.
    private static func minimumSize(ofValueType type: UInt32) -> Int? {
        switch type {
        case 0, 1, 7: return 1          // uint8, int8, bool
        case 2, 3: return 2             // uint16, int16
        case 4, 5, 6: return 4          // uint32, int32, float32
        case 10, 11, 12: return 8       // uint64, int64, float64
        case 8: return 8                // string: its u64 length
        case 9: return 12               // array: u32 type + u64 count
        default: return nil
        }
    }

    private mutating func value(type: UInt32, key: String, depth: Int) throws -> GGUFValue {
        func what() -> String { "the value of metadata '\(key)'" }
        switch type {
        case 0: return .uint8(try load(UInt8.self, what()))
        case 1: return .int8(try load(Int8.self, what()))
        case 2: return .uint16(try load(UInt16.self, what()))
        case 3: return .int16(try load(Int16.self, what()))
        case 4: return .uint32(try load(UInt32.self, what()))
        case 5: return .int32(try load(Int32.self, what()))
        case 6: return .float32(Float(bitPattern: try load(UInt32.self, what())))
        case 7:
            return .bool(try load(UInt8.self, what()) != 0)
        case 8: return .string(try string(what()))
        case 9:
            guard depth < GGUFReader.maximumNesting else {
                throw fail(.badHeader, "metadata '\(key)' nests arrays more than \(GGUFReader.maximumNesting) deep.")
            }
            let elementType = try load(UInt32.self, "the element type of metadata '\(key)'")
            guard let size = GGUFReader.minimumSize(ofValueType: elementType) else {
                throw fail(.badHeader, "metadata '\(key)' has arrays of unknown value type \(elementType).")
            }
            let count = try load(UInt64.self, "the element count of metadata '\(key)'")
            try checkCount(count, minimumSize: size, "the element count of metadata '\(key)'")
            var elements: [GGUFValue] = []
            elements.reserveCapacity(Int(count))
            for _ in 0..<Int(count) {
                elements.append(try value(type: elementType, key: key, depth: depth + 1))
            }
            return .array(elements)
        case 10: return .uint64(try load(UInt64.self, what()))
        case 11: return .int64(try load(Int64.self, what()))
        case 12: return .float64(Double(bitPattern: try load(UInt64.self, what())))
        default: throw fail(.badHeader, "metadata '\(key)' has unknown value type \(type).")
        }
    }

    static let maximumNesting = GGUFFile.maximumArrayNesting
}
