import Foundation

/// The element types `Npy` reads and writes, named by their NumPy `descr` strings (little-endian).
public enum NumpyDType: String, Sendable, Equatable, CaseIterable {
    case float16 = "<f2"
    case float32 = "<f4"
    case float64 = "<f8"
    case int32 = "<i4"
    case int64 = "<i8"
    case uint8 = "|u1"
    case bool = "|b1"

    /// The NumPy type descriptor, as written in the header (`'<f4'`).
    public var descriptor: String { rawValue }

    /// Bytes per element.
    public var itemSize: Int {
        switch self {
        case .uint8, .bool: 1
        case .float16: 2
        case .float32, .int32: 4
        case .float64, .int64: 8
        }
    }

    /// Whether the elements are integers (`int32`, `int64`, `uint8`); `bool` is not.
    public var isInteger: Bool { self == .int32 || self == .int64 || self == .uint8 }
}

/// An n-dimensional NumPy array as stored in a `.npy` file: a shape, an element type and the raw little-endian bytes
/// in C (row-major) order.
public struct NumpyArray: Sendable, Equatable {
    /// The extent of each axis, outermost first; `[]` for a 0-d (scalar) array.
    public let shape: [Int]
    /// The element type.
    public let dtype: NumpyDType
    /// `count * dtype.itemSize` little-endian bytes, row-major.
    public let bytes: Data

    /// The number of elements (1 for a scalar).
    public var count: Int { Tensor.elementCount(shape) }

    /// Wraps raw little-endian bytes.
    /// - Precondition: `bytes.count == product(shape) * dtype.itemSize`.
    public init(shape: [Int], dtype: NumpyDType, bytes: Data) {
        precondition(FileFormatError.checkedByteCount(extents: shape, itemSize: dtype.itemSize)?.bytes == bytes.count,
                     "NumpyArray: \(bytes.count) bytes do not fill shape \(shape) of \(dtype.descriptor)")
        self.shape = shape
        self.dtype = dtype
        self.bytes = bytes.startIndex == 0 ? bytes : Data(bytes)
    }

    /// A `float32` array holding `tensor`'s elements and shape.
    public init(_ tensor: Tensor) {
        self.init(shape: tensor.shape, dtype: .float32,
                  bytes: Data(packing: tensor.scalars.map(\.bitPattern.littleEndian)))
    }

    /// An `int64`, `int32` or `uint8` array.
    /// - Precondition: `dtype.isInteger`, every value fits `dtype`, and `values.count == product(shape)`.
    public init(shape: [Int], integers values: [Int], dtype: NumpyDType = .int64) {
        let bytes: Data
        switch dtype {
        case .int64: bytes = Data(packing: values.map { Int64($0).littleEndian })
        case .int32: bytes = Data(packing: values.map { Int32($0).littleEndian })
        case .uint8: bytes = Data(values.map { UInt8($0) })
        default: preconditionFailure("NumpyArray: \(dtype) is not an integer dtype")
        }
        self.init(shape: shape, dtype: dtype, bytes: bytes)
    }

    /// A `bool` array (one byte per element, 0 or 1).
    public init(shape: [Int], booleans values: [Bool]) {
        self.init(shape: shape, dtype: .bool, bytes: Data(values.map { $0 ? 1 : 0 }))
    }

    /// The elements converted to `Float` in a tensor of the same shape; `bool` becomes 0 or 1. Integers beyond 2²⁴
    /// and `float64` values lose precision.
    public func floatTensor() -> Tensor {
        let scalars: [Float] = switch dtype {
        case .float16: load(UInt16.self).map { HalfPrecision.float(fromFloat16: UInt16(littleEndian: $0)) }
        case .float32: load(UInt32.self).map { Float(bitPattern: UInt32(littleEndian: $0)) }
        case .float64: load(UInt64.self).map { Float(Double(bitPattern: UInt64(littleEndian: $0))) }
        case .int32: load(Int32.self).map { Float(Int32(littleEndian: $0)) }
        case .int64: load(Int64.self).map { Float(Int64(littleEndian: $0)) }
        case .uint8, .bool: bytes.map { Float($0) }
        }
        return Tensor(shape: shape, scalars: scalars)
    }

    /// The elements of an integer array, row-major; `nil` for floating-point and `bool` arrays.
    public var integers: [Int]? {
        switch dtype {
        case .int32: load(Int32.self).map { Int(Int32(littleEndian: $0)) }
        case .int64: load(Int64.self).map { Int(Int64(littleEndian: $0)) }
        case .uint8: bytes.map { Int($0) }
        default: nil
        }
    }

    /// The elements of a `bool` array, row-major (any nonzero byte is `true`); `nil` for other dtypes.
    public var booleans: [Bool]? { dtype == .bool ? bytes.map { $0 != 0 } : nil }

    private func load<T: FixedWidthInteger>(_ type: T.Type) -> [T] {
        bytes.withUnsafeBytes { raw in
            (0..<count).map { raw.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.size, as: T.self) }
        }
    }
}

extension Data {
    /// The raw bytes of `values`, in memory order.
    init<T: FixedWidthInteger>(packing values: [T]) {
        self = values.withUnsafeBytes { Data($0) }
    }
}

/// Reads and writes NumPy `.npy` files (format versions 1.0, 2.0 and 3.0).
///
/// Layout: the magic `\x93NUMPY`, a major and minor version byte, the header length (`UInt16` in 1.0, `UInt32` in
/// 2.0 and 3.0, little-endian), a Python dict literal such as
/// `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }` padded with spaces and `\n`, then exactly
/// `product(shape) * itemSize` bytes of data.
///
/// Only little-endian, C-order arrays of the `NumpyDType` cases are read; anything else throws a `FileFormatError`
/// that says how to convert the file in Python.
///
/// Reference: https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
public enum Npy {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"
    /// numpy pads headers so data starts on this boundary, and leaves room to grow the first extent in place.
    static let alignment = 64
    static let growthAxisMaxDigits = 21

    /// Reads the array in the file at `url`.
    /// - Throws: `FileFormatError` when the file is unreadable, malformed, truncated, has trailing bytes, or holds a
    ///   dtype or layout this reader does not support.
    public static func read(contentsOf url: URL) throws(FileFormatError) -> NumpyArray {
        let data: Data
        do { data = try Data(contentsOf: url, options: .mappedIfSafe) } catch {
            throw FileFormatError(.unreadable, url: url, problem: "cannot read the file (\(error.localizedDescription))")
        }
        return try decode(data, file: url.path)
    }

    /// Reads the array in the file at `url` and converts it to a `Float` tensor (see `NumpyArray.floatTensor()`).
    public static func readTensor(contentsOf url: URL) throws(FileFormatError) -> Tensor {
        try read(contentsOf: url).floatTensor()
    }

    /// Writes `tensor` as a `float32` array (format 1.0, laid out exactly as `numpy.save` does).
    public static func write(_ tensor: Tensor, to url: URL) throws(FileFormatError) {
        try write(NumpyArray(tensor), to: url)
    }

    /// Writes `array` (format 1.0, laid out exactly as `numpy.save` does: data starts at a multiple of 64 bytes).
    public static func write(_ array: NumpyArray, to url: URL) throws(FileFormatError) {
        do { try encode(array).write(to: url, options: .atomic) } catch {
            throw FileFormatError(.unreadable, url: url, problem: "cannot write the file (\(error.localizedDescription))")
        }
    }

    /// The bytes of a `.npy` file holding `array`.
    public static func encode(_ array: NumpyArray) -> Data {
        let shape = array.shape.count == 1 ? "(\(array.shape[0]),)" : "(" + array.shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '\(array.dtype.descriptor)', 'fortran_order': False, 'shape': \(shape), }"
        if let first = array.shape.first { header += String(repeating: " ", count: max(0, growthAxisMaxDigits - String(first).count)) }
        let prefixLength = magic.count + 2 + 2
        let unpadded = header.utf8.count + 1
        let padding = alignment - (prefixLength + unpadded) % alignment
        header += String(repeating: " ", count: padding) + "\n"
        precondition(header.utf8.count <= Int(UInt16.max), "Npy.encode: rank-\(array.shape.count) header too long for format 1.0")
        var file = Data(magic + [1, 0])
        file.append(contentsOf: [UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)])
        file.append(contentsOf: Array(header.utf8))
        file.append(array.bytes)
        return file
    }

    /// Parses the bytes of a `.npy` file; `file` names it in errors.
    public static func decode(_ data: Data, file: String) throws(FileFormatError) -> NumpyArray {
        let bytes = [UInt8](data.prefix(12))
        func fail(_ kind: FileFormatError.Kind, _ problem: String) -> FileFormatError {
            FileFormatError(kind, file: file, problem: problem)
        }
        guard bytes.count >= 8 else { throw fail(.truncated, "the file is \(data.count) bytes, too short for a .npy header") }
        guard Array(bytes[0..<6]) == magic else { throw fail(.badMagic, "does not start with the .npy signature \\x93NUMPY") }
        let major = bytes[6]
        let lengthSize: Int
        switch major {
        case 1: lengthSize = 2
        case 2, 3: lengthSize = 4
        default: throw fail(.unsupportedVersion, ".npy format version \(major).\(bytes[7]) is not supported (only 1.0, 2.0, 3.0)")
        }
        guard bytes.count >= 8 + lengthSize else { throw fail(.truncated, "the file ends inside the header length field") }
        let headerLength = bytes[8..<(8 + lengthSize)].reversed().reduce(0) { $0 << 8 | Int($1) }
        let headerStart = 8 + lengthSize
        let dataStart = headerStart + headerLength
        guard dataStart <= data.count else {
            throw fail(.truncated, "the header claims \(headerLength) bytes but the file has only \(data.count - headerStart) after the length field")
        }
        let headerBytes = [UInt8](data[data.startIndex + headerStart ..< data.startIndex + dataStart])
        guard let headerText = String(bytes: headerBytes, encoding: major == 3 ? .utf8 : .isoLatin1) else {
            throw fail(.badHeader, "the header is not valid \(major == 3 ? "UTF-8" : "Latin-1") text")
        }
        let header: NpyHeader
        do throws(NpyHeader.ParseError) { header = try NpyHeader(parsing: headerText) } catch {
            let quoted = error.kind == .badHeader || error.kind == .invalidShape
            let shown = headerText.trimmingCharacters(in: .whitespacesAndNewlines).prefix(200)
            throw fail(error.kind, quoted ? "\(error.problem) (header: \(shown))" : error.problem)
        }
        guard let (_, byteCount) = FileFormatError.checkedByteCount(extents: header.shape, itemSize: header.dtype.itemSize) else {
            throw fail(.invalidShape, "shape \(header.shape) is negative or too large to address")
        }
        let available = data.count - dataStart
        if available < byteCount {
            throw fail(.truncated, "shape \(header.shape) of \(header.dtype.descriptor) needs \(byteCount) bytes of data but the file has \(available)")
        }
        if available > byteCount {
            throw fail(.sizeMismatch, "shape \(header.shape) of \(header.dtype.descriptor) needs \(byteCount) bytes of data but the file has \(available) (\(available - byteCount) trailing)")
        }
        return NumpyArray(shape: header.shape, dtype: header.dtype, bytes: data.subdata(in: data.startIndex + dataStart ..< data.endIndex))
    }
}

/// The dict literal in a `.npy` header, parsed without evaluating Python.
struct NpyHeader {
    var dtype: NumpyDType
    var shape: [Int]

    struct ParseError: Error {
        var kind: FileFormatError.Kind
        var problem: String
    }

    private enum Value {
        case string(String), boolean(Bool), tuple([Int]), list
    }

    init(parsing text: String) throws(ParseError) {
        var parser = Parser(bytes: Array(text.utf8))
        let entries = try parser.dictionary()
        guard Set(entries.keys) == ["descr", "fortran_order", "shape"] else {
            throw ParseError(kind: .badHeader, problem: "the keys are \(entries.keys.sorted()), expected descr, fortran_order, shape")
        }
        if case .list? = entries["descr"] {
            throw ParseError(kind: .unsupportedDType, problem: "structured (record) dtypes are not supported")
        }
        guard case .string(let descriptor)? = entries["descr"] else {
            throw ParseError(kind: .badHeader, problem: "'descr' is not a string")
        }
        guard case .boolean(let fortranOrder)? = entries["fortran_order"] else {
            throw ParseError(kind: .badHeader, problem: "'fortran_order' is not True or False")
        }
        guard case .tuple(let shape)? = entries["shape"] else {
            throw ParseError(kind: .badHeader, problem: "'shape' is not a tuple of integers")
        }
        if fortranOrder {
            throw ParseError(kind: .fortranOrder, problem: "the array is in Fortran (column-major) order; save it with numpy.ascontiguousarray(a) first")
        }
        self.dtype = try Self.dtype(descriptor)
        self.shape = shape
    }

    private static func dtype(_ descriptor: String) throws(ParseError) -> NumpyDType {
        let supported = NumpyDType.allCases.map(\.descriptor).joined(separator: ", ")
        guard let order = descriptor.first, "<>|=".contains(order) else {
            throw ParseError(kind: .unsupportedDType, problem: "dtype '\(descriptor)' is not supported (supported: \(supported))")
        }
        let body = descriptor.dropFirst()
        if let dtype = NumpyDType.allCases.first(where: { $0.descriptor.dropFirst() == body }) {
            if order == ">" && dtype.itemSize > 1 {
                throw ParseError(kind: .byteOrder, problem: "dtype '\(descriptor)' is big-endian; save it with a.astype('<\(body)') first")
            }
            return dtype
        }
        throw ParseError(kind: .unsupportedDType, problem: "dtype '\(descriptor)' is not supported (supported: \(supported))")
    }

    /// A recursive-descent parser for the subset of Python literals numpy writes: a dict of quoted keys to quoted
    /// strings, `True`/`False` and tuples of integers.
    private struct Parser {
        let bytes: [UInt8]
        var position = 0

        mutating func dictionary() throws(ParseError) -> [String: Value] {
            try expect(UInt8(ascii: "{"))
            var entries: [String: Value] = [:]
            while true {
                skipSpace()
                if peek == UInt8(ascii: "}") { position += 1; break }
                let key = try string()
                try expect(UInt8(ascii: ":"))
                entries[key] = try value()
                skipSpace()
                if peek == UInt8(ascii: ",") { position += 1; continue }
                try expect(UInt8(ascii: "}"))
                break
            }
            skipSpace()
            guard position == bytes.count else { throw error("unexpected text after the closing brace") }
            return entries
        }

        private var peek: UInt8? { position < bytes.count ? bytes[position] : nil }

        private mutating func skipSpace() {
            while let byte = peek, byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D { position += 1 }
        }

        private mutating func expect(_ byte: UInt8) throws(ParseError) {
            skipSpace()
            guard peek == byte else { throw error("expected '\(Character(Unicode.Scalar(byte)))' at offset \(position)") }
            position += 1
        }

        private func error(_ problem: String) -> ParseError { ParseError(kind: .badHeader, problem: problem) }

        private mutating func value() throws(ParseError) -> Value {
            skipSpace()
            switch peek {
            case UInt8(ascii: "'"), UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "("): return .tuple(try tuple())
            case UInt8(ascii: "["): try skipList(); return .list
            default:
                if word("True") { return .boolean(true) }
                if word("False") { return .boolean(false) }
                throw error("unexpected value at offset \(position)")
            }
        }

        /// Skips a bracketed list (a structured dtype), strings and nested brackets included.
        private mutating func skipList() throws(ParseError) {
            var depth = 0
            while let byte = peek {
                switch byte {
                case UInt8(ascii: "'"), UInt8(ascii: "\""): _ = try string(); continue
                case UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "]"): depth -= 1
                default: break
                }
                position += 1
                if depth == 0 { return }
            }
            throw error("unterminated list")
        }

        private mutating func word(_ text: String) -> Bool {
            let expected = Array(text.utf8)
            guard position + expected.count <= bytes.count, Array(bytes[position..<(position + expected.count)]) == expected else { return false }
            position += expected.count
            return true
        }

        private mutating func string() throws(ParseError) -> String {
            skipSpace()
            guard let quote = peek, quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"") else { throw error("expected a quoted string at offset \(position)") }
            let start = position + 1
            guard let end = bytes[start...].firstIndex(of: quote) else { throw error("unterminated string") }
            position = end + 1
            return String(decoding: bytes[start..<end], as: UTF8.self)
        }

        private mutating func tuple() throws(ParseError) -> [Int] {
            try expect(UInt8(ascii: "("))
            var elements: [Int] = []
            var sawComma = false
            while true {
                skipSpace()
                if peek == UInt8(ascii: ")") { position += 1; break }
                elements.append(try integer())
                skipSpace()
                if peek == UInt8(ascii: ",") { position += 1; sawComma = true; continue }
                try expect(UInt8(ascii: ")"))
                break
            }
            // `(5)` is the integer 5 in Python, not a tuple.
            guard elements.count != 1 || sawComma else { throw error("the shape (\(elements[0])) is not a tuple; a 1-tuple is written (\(elements[0]),)") }
            return elements
        }

        private mutating func integer() throws(ParseError) -> Int {
            let start = position
            if peek == UInt8(ascii: "-") { position += 1 }
            while let byte = peek, byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") { position += 1 }
            let digits = String(decoding: bytes[start..<position], as: UTF8.self)
            if peek == UInt8(ascii: "L") { position += 1 }  // Python 2 long literals: (3L, 4L)
            guard let value = Int(digits) else {
                throw ParseError(kind: digits.count > 1 ? .invalidShape : .badHeader,
                                 problem: digits.count > 1 ? "shape extent \(digits) does not fit in a 64-bit integer" : "expected an integer at offset \(start)")
            }
            guard value >= 0 else { throw ParseError(kind: .invalidShape, problem: "shape extent \(value) is negative") }
            return value
        }
    }
}
