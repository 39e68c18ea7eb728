import Foundation

/// A memory-mapped safetensors file: a JSON table of contents, then one byte buffer holding every tensor.
///
/// Layout: an 8-byte little-endian `UInt64` header length `N`; `N` bytes of JSON
/// `{"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, "__metadata__": {"key": "value"}}`
/// (padded with spaces); then the buffer. Offsets are relative to the buffer's start and `end` is exclusive.
///
/// Opening validates the whole table of contents (types, sizes, bounds, overlaps) but reads no tensor data; the
/// pages of a tensor are touched only when it is requested. Floating-point tensors (`F32`, `F16`, `BF16`, `F64`)
/// convert to `Float`; integer tensors (`I64`, `I32`, `I16`, `I8`, `U8`, `BOOL`) read as `[Int]` or as a `Float`
/// tensor. Other dtypes throw when requested.
///
/// Reference: https://github.com/huggingface/safetensors (format section of the README).
public struct SafetensorsFile: Sendable {
    /// The table-of-contents entry of one tensor.
    public struct TensorInfo: Sendable, Equatable {
        /// The dtype as written in the header (`"F32"`, `"BF16"`, …), including dtypes this reader cannot convert.
        public var dtype: String
        /// The extent of each axis, outermost first.
        public var shape: [Int]
        /// The tensor's bytes, relative to the start of the data buffer.
        public var byteRange: Range<Int>
    }

    /// Header lengths above this are refused: a real header is kilobytes, a corrupt length can claim exabytes.
    public static let maximumHeaderLength = 100_000_000

    /// The path of the file, used in errors.
    public let file: String
    /// Free-form string pairs from the `__metadata__` entry (often `{"format": "pt"}`).
    public let metadata: [String: String]
    private let entries: [String: TensorInfo]
    private let data: Data
    private let bufferStart: Int

    /// Maps the file at `url` and validates its header.
    /// - Throws: `FileFormatError` when the file is unreadable, truncated, its header is not the expected JSON, or a
    ///   tensor's byte range disagrees with its shape, lies outside the file or overlaps another.
    public init(contentsOf url: URL) throws(FileFormatError) {
        let data: Data
        do { data = try Data(contentsOf: url, options: .alwaysMapped) } catch {
            throw FileFormatError(.unreadable, url: url, problem: "cannot read the file (\(error.localizedDescription))")
        }
        try self.init(data: data, file: url.path)
    }

    /// Parses a safetensors file already in memory; `file` names it in errors.
    public init(data: Data, file: String) throws(FileFormatError) {
        func fail(_ kind: FileFormatError.Kind, _ problem: String) -> FileFormatError {
            FileFormatError(kind, file: file, problem: problem)
        }
        let data = data.startIndex == 0 ? data : Data(data)
        guard data.count >= 8 else { throw fail(.truncated, "the file is \(data.count) bytes, too short for the 8-byte header length") }
        let declared = data.prefix(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard declared <= UInt64(Self.maximumHeaderLength) else {
            throw fail(.badHeader, "the header length \(declared) exceeds the \(Self.maximumHeaderLength)-byte limit; the file is probably not safetensors")
        }
        let headerLength = Int(declared)
        guard headerLength <= data.count - 8 else {
            throw fail(.truncated, "the header claims \(headerLength) bytes but only \(data.count - 8) follow the length field")
        }
        let header: SafetensorsHeader
        do throws(SafetensorsHeader.ParseError) {
            header = try SafetensorsHeader(json: data.subdata(in: 8..<(8 + headerLength)))
        } catch {
            throw fail(.badHeader, error.problem)
        }
        let bufferLength = data.count - 8 - headerLength
        var entries: [String: TensorInfo] = [:]
        for (name, raw) in header.tensors {
            guard let begin = raw.offsets.first, let end = raw.offsets.last, raw.offsets.count == 2 else {
                throw fail(.badHeader, "tensor '\(name)' has data_offsets \(raw.offsets), expected [begin, end]")
            }
            guard begin >= 0, begin <= end else {
                throw fail(.offsetOutOfBounds, "tensor '\(name)' has reversed or negative data_offsets [\(begin), \(end))")
            }
            guard end <= bufferLength else {
                throw fail(.offsetOutOfBounds, "tensor '\(name)' data [\(begin), \(end)) lies beyond the end of the data buffer (\(bufferLength) bytes)")
            }
            if let itemSize = Self.itemSize(raw.dtype) {
                guard let (_, bytes) = FileFormatError.checkedByteCount(extents: raw.shape, itemSize: itemSize) else {
                    throw fail(.invalidShape, "tensor '\(name)' has shape \(raw.shape), which is negative or too large to address")
                }
                guard bytes == end - begin else {
                    throw fail(.sizeMismatch, "tensor '\(name)' of \(raw.dtype) \(raw.shape) needs \(bytes) bytes but data_offsets [\(begin), \(end)) hold \(end - begin)")
                }
            } else if FileFormatError.checkedByteCount(extents: raw.shape, itemSize: 1) == nil {
                throw fail(.invalidShape, "tensor '\(name)' has shape \(raw.shape), which is negative or too large to address")
            }
            entries[name] = TensorInfo(dtype: raw.dtype, shape: raw.shape, byteRange: begin..<end)
        }
        let ordered = entries.sorted { ($0.value.byteRange.lowerBound, $0.key) < ($1.value.byteRange.lowerBound, $1.key) }
        for (previous, next) in zip(ordered, ordered.dropFirst()) where next.value.byteRange.lowerBound < previous.value.byteRange.upperBound {
            throw fail(.overlappingData, "tensors '\(previous.key)' \(previous.value.byteRange) and '\(next.key)' \(next.value.byteRange) share bytes")
        }
        self.file = file
        self.metadata = header.metadata
        self.entries = entries
        self.data = data
        self.bufferStart = 8 + headerLength
    }

    /// Every tensor name, sorted.
    public var tensorNames: [String] { entries.keys.sorted() }

    /// The dtype, shape and byte range of `name`, or `nil` when the file has no such tensor.
    public func info(_ name: String) -> TensorInfo? { entries[name] }

    /// The tensor `name` converted to `Float`, in its stored shape.
    /// - Throws: `FileFormatError` (`.missingEntry`, with similar names) when absent; `.unsupportedDType` for dtypes
    ///   outside `F32 F16 BF16 F64 I64 I32 I16 I8 U8 BOOL`.
    public func tensor(named name: String) throws(FileFormatError) -> Tensor {
        let info = try lookup(name)
        let count = Tensor.elementCount(info.shape)
        let scalars: [Float]
        switch info.dtype {
        case "F32":
            scalars = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                withBytes(info) { raw in
                    #if _endian(little)
                    _ = raw.copyBytes(to: UnsafeMutableRawBufferPointer(buffer))
                    #else
                    for i in 0..<count { buffer[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
                    #endif
                }
                initialized = count
            }
        case "F16": scalars = decode(info, as: UInt16.self) { HalfPrecision.float(fromFloat16: $0) }
        case "BF16": scalars = decode(info, as: UInt16.self) { HalfPrecision.float(fromBFloat16: $0) }
        case "F64": scalars = decode(info, as: UInt64.self) { Float(Double(bitPattern: $0)) }
        default:
            guard let integers = try? integerValues(name, info) else { throw unsupported(name, info) }
            scalars = integers.map { Float($0) }
        }
        return Tensor(shape: info.shape, scalars: scalars)
    }

    /// The elements of integer tensor `name`, row-major (`BOOL` reads as 0 and 1).
    /// - Throws: `FileFormatError` (`.missingEntry`) when absent; `.typeMismatch` for floating-point tensors;
    ///   `.unsupportedDType` for other dtypes.
    public func integers(named name: String) throws(FileFormatError) -> [Int] {
        try integerValues(name, try lookup(name))
    }

    private func integerValues(_ name: String, _ info: TensorInfo) throws(FileFormatError) -> [Int] {
        switch info.dtype {
        case "I64": return decode(info, as: Int64.self) { Int($0) }
        case "I32": return decode(info, as: Int32.self) { Int($0) }
        case "I16": return decode(info, as: Int16.self) { Int($0) }
        case "I8": return decode(info, as: Int8.self) { Int($0) }
        case "U8": return decode(info, as: UInt8.self) { Int($0) }
        case "BOOL": return decode(info, as: UInt8.self) { $0 == 0 ? 0 : 1 }
        case "F32", "F16", "BF16", "F64":
            throw FileFormatError(.typeMismatch, file: file, problem: "tensor '\(name)' holds \(info.dtype) values, not integers; use tensor(named:)")
        default: throw unsupported(name, info)
        }
    }

    private func lookup(_ name: String) throws(FileFormatError) -> TensorInfo {
        if let info = entries[name] { return info }
        let near = FileFormatError.suggestions(for: name, among: Array(entries.keys))
        let hint = near.isEmpty ? "" : "; did you mean " + near.map { "'\($0)'" }.joined(separator: ", ") + "?"
        throw FileFormatError(.missingEntry, file: file, problem: "has no tensor '\(name)' (it holds \(entries.count))\(hint)")
    }

    private func unsupported(_ name: String, _ info: TensorInfo) -> FileFormatError {
        FileFormatError(.unsupportedDType, file: file,
                        problem: "tensor '\(name)' has dtype \(info.dtype), which this reader does not convert (supported: F32 F16 BF16 F64 I64 I32 I16 I8 U8 BOOL)")
    }

    private func withBytes<R>(_ info: TensorInfo, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        data.withUnsafeBytes { raw in
            body(UnsafeRawBufferPointer(rebasing: raw[(bufferStart + info.byteRange.lowerBound)..<(bufferStart + info.byteRange.upperBound)]))
        }
    }

    private func decode<Stored: FixedWidthInteger, Element>(_ info: TensorInfo, as: Stored.Type, _ convert: (Stored) -> Element) -> [Element] {
        withBytes(info) { raw in
            let size = MemoryLayout<Stored>.size
            return (0..<(raw.count / size)).map { convert(Stored(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * size, as: Stored.self))) }
        }
    }

    /// Bytes per element of the dtypes in the safetensors specification; `nil` for names it does not define.
    static func itemSize(_ dtype: String) -> Int? {
        switch dtype {
        case "BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3": 1
        case "U16", "I16", "F16", "BF16": 2
        case "U32", "I32", "F32": 4
        case "U64", "I64", "F64": 8
        default: nil
        }
    }
}

/// Writes safetensors files.
public enum Safetensors {
    /// Writes `tensors` as `F32` in a safetensors file, byte for byte as the reference implementation would: tensors
    /// sorted by name and packed without gaps, compact JSON with `__metadata__` first (omitted when empty), the header
    /// padded with spaces to a multiple of 8 bytes.
    /// - Parameters:
    ///   - tensors: name → tensor, any shapes.
    ///   - metadata: free-form string pairs stored under `__metadata__`.
    public static func write(_ tensors: [String: Tensor], metadata: [String: String] = [:], to url: URL) throws(FileFormatError) {
        do { try encode(tensors, metadata: metadata).write(to: url, options: .atomic) } catch {
            throw FileFormatError(.unreadable, url: url, problem: "cannot write the file (\(error.localizedDescription))")
        }
    }

    /// The bytes of a safetensors file holding `tensors` as `F32` (see `write(_:metadata:to:)`).
    public static func encode(_ tensors: [String: Tensor], metadata: [String: String] = [:]) -> Data {
        var fields: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.sorted { $0.key < $1.key }.map { "\(jsonString($0.key)):\(jsonString($0.value))" }
            fields.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        let ordered = tensors.sorted { $0.key < $1.key }
        for (name, tensor) in ordered {
            let end = offset + 4 * tensor.count
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            fields.append("\(jsonString(name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        var header = Array("{\(fields.joined(separator: ","))}".utf8)
        header += Array(repeating: UInt8(ascii: " "), count: (8 - header.count % 8) % 8)
        var file = Data(capacity: 8 + header.count + offset)
        file.append(Data(packing: [UInt64(header.count).littleEndian]))
        file.append(contentsOf: header)
        for (_, tensor) in ordered {
            #if _endian(little)
            tensor.withUnsafeBufferPointer { file.append(contentsOf: UnsafeRawBufferPointer($0)) }
            #else
            file.append(Data(packing: tensor.scalars.map(\.bitPattern.littleEndian)))
            #endif
        }
        return file
    }

    /// `text` as a JSON string literal, escaped as serde_json does (quotes, backslashes, control characters).
    static func jsonString(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case "\u{08}": result += "\\b"
            case "\u{0C}": result += "\\f"
            case _ where scalar.value < 0x20: result += String(format: "\\u%04x", scalar.value)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}

/// The JSON header of a safetensors file, decoded field by field so errors can name the tensor.
struct SafetensorsHeader: Decodable {
    struct Entry {
        var dtype: String
        var shape: [Int]
        var offsets: [Int]
    }

    struct ParseError: Error {
        var problem: String
    }

    var metadata: [String: String] = [:]
    var tensors: [String: Entry] = [:]

    init(json: Data) throws(ParseError) {
        do { self = try JSONDecoder().decode(SafetensorsHeader.self, from: json) } catch let error as ParseError {
            throw error
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context),
                let DecodingError.dataCorrupted(context) {
            let path = context.codingPath.map(\.stringValue).filter { !$0.isEmpty }
            if path.isEmpty, (try? JSONSerialization.jsonObject(with: json, options: .fragmentsAllowed)) != nil {
                // Valid JSON that the decoder still calls corrupt: a number that is not a 64-bit integer.
                throw ParseError(problem: "a shape or data_offsets value is not an integer that fits in 64 bits")
            }
            let location = path.isEmpty ? "the header" : "header entry " + path.map { "'\($0)'" }.joined(separator: " → ")
            throw ParseError(problem: "\(location) is not valid: \(context.debugDescription)")
        } catch {
            throw ParseError(problem: "the header is not valid JSON (\(error))")
        }
    }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        for key in container.allKeys {
            if key.stringValue == "__metadata__" {
                metadata = try container.decodeIfPresent([String: String].self, forKey: key) ?? [:]
                continue
            }
            let entry = try container.nestedContainer(keyedBy: Key.self, forKey: key)
            func field<T: Decodable>(_ name: String, _ type: T.Type) throws -> T {
                guard entry.contains(Key(stringValue: name)) else {
                    throw ParseError(problem: "tensor '\(key.stringValue)' has no '\(name)' field")
                }
                return try entry.decode(type, forKey: Key(stringValue: name))
            }
            tensors[key.stringValue] = Entry(dtype: try field("dtype", String.self),
                                             shape: try field("shape", [Int].self),
                                             offsets: try field("data_offsets", [Int].self))
        }
    }
}
