import Foundation
import TensorCore

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
        if !infos.isEmpty && dataSectionOffset > bytes.count {
            throw fail(.truncated, "ends at byte \(bytes.count), before its data section starts at byte "
                + "\(dataSectionOffset); it is truncated or corrupt.")
        }
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

    /// Deepest array nesting accepted in metadata; real files use at most 1.
    static let maximumNesting = 8
}
