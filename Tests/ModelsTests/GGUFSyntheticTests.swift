import Foundation
import Testing
@testable import Models
import TensorCore

/// Little-endian GGUF bytes written field by field, for files the tests make up.
struct GGUFBytes {
    var bytes: [UInt8] = []

    mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }
    mutating func append(_ value: Float) { append(value.bitPattern) }
    mutating func append(_ value: Double) { append(value.bitPattern) }
    mutating func append(string: String) {
        append(UInt64(string.utf8.count))
        bytes.append(contentsOf: string.utf8)
    }
    mutating func header(version: UInt32 = 3, tensors: UInt64, metadata: UInt64) {
        bytes.append(contentsOf: Array("GGUF".utf8))
        append(version)
        append(tensors)
        append(metadata)
    }
    /// A metadata key with its value type; the caller appends the value.
    mutating func key(_ key: String, type: UInt32) {
        append(string: key)
        append(type)
    }
    mutating func tensorInfo(_ name: String, dimensions: [UInt64], type: UInt32, offset: UInt64) {
        append(string: name)
        append(UInt32(dimensions.count))
        for d in dimensions { append(d) }
        append(type)
        append(offset)
    }
    mutating func pad(to alignment: Int) {
        while bytes.count % alignment != 0 { bytes.append(0) }
    }
    var data: Data { Data(bytes) }
}

/// A small valid file: every metadata value type, nested arrays, and one tensor of each dequantizable type, laid
/// out with 64-byte alignment. The last tensor ends the file, so every shorter prefix is invalid.
enum TinyGGUF {
    struct Tensor {
        let name: String
        let dimensions: [UInt64]
        let type: GGMLType
        let payload: [UInt8]
        let values: [Float]
    }

    static let tensors: [Tensor] = {
        var result: [Tensor] = []
        var f32 = GGUFBytes()
        for v in 0..<6 { f32.append(Float(v) - 2.5) }
        result.append(Tensor(name: "f32", dimensions: [3, 2], type: .f32, payload: f32.bytes,
                             values: (0..<6).map { Float($0) - 2.5 }))
        var f16 = GGUFBytes()
        for bits: UInt16 in [0x3C00, 0xC000, 0x3800, 0x7BFF, 0x0001, 0x8000, 0x3555, 0x0400] { f16.append(bits) }
        result.append(Tensor(name: "f16", dimensions: [8], type: .f16, payload: f16.bytes,
                             values: [1, -2, 0.5, 65504, 0x1p-24, -0.0, 0.333251953125, 0x1p-14]))
        var bf16 = GGUFBytes()
        for bits: UInt16 in [0x3F80, 0xC040] { bf16.append(bits) }
        result.append(Tensor(name: "bf16", dimensions: [2], type: .bf16, payload: bf16.bytes, values: [1, -3]))
        var q8 = GGUFBytes()
        q8.append(UInt16(0x3800))   // d = 0.5
        for q in -16..<16 { q8.append(Int8(q)) }
        result.append(Tensor(name: "q8_0", dimensions: [32], type: .q8_0, payload: q8.bytes,
                             values: (-16..<16).map { 0.5 * Float($0) }))
        var q40 = GGUFBytes()
        q40.append(UInt16(0x4000))  // d = 2
        for j in 0..<16 { q40.append(UInt8(j | (15 - j) << 4)) }
        result.append(Tensor(name: "q4_0", dimensions: [32], type: .q4_0, payload: q40.bytes,
                             values: (0..<16).map { 2 * Float($0 - 8) } + (0..<16).map { 2 * Float(7 - $0) }))
        var q41 = GGUFBytes()
        q41.append(UInt16(0x3400))  // d = 0.25
        q41.append(UInt16(0xBC00))  // m = -1
        for j in 0..<16 { q41.append(UInt8(j | (15 - j) << 4)) }
        result.append(Tensor(name: "q4_1", dimensions: [32], type: .q4_1, payload: q41.bytes,
                             values: (0..<16).map { 0.25 * Float($0) - 1 } + (0..<16).map { 0.25 * Float(15 - $0) - 1 }))
        return result
    }()

    static let alignment = 64

    static var data: Data {
        var file = GGUFBytes()
        file.header(tensors: UInt64(tensors.count), metadata: 16)
        file.key("u8", type: 0); file.append(UInt8(200))
        file.key("i8", type: 1); file.append(Int8(-5))
        file.key("u16", type: 2); file.append(UInt16(60000))
        file.key("i16", type: 3); file.append(Int16(-30000))
        file.key("u32", type: 4); file.append(UInt32(4_000_000_000))
        file.key("i32", type: 5); file.append(Int32(-2_000_000_000))
        file.key("f32", type: 6); file.append(Float(1.5))
        file.key("bool", type: 7); file.append(UInt8(1))
        file.key("string", type: 8); file.append(string: "héllo 🤗")
        file.key("u64", type: 10); file.append(UInt64.max)
        file.key("i64", type: 11); file.append(Int64.min)
        file.key("f64", type: 12); file.append(Double(-0.125))
        file.key("array.u8", type: 9); file.append(UInt32(0)); file.append(UInt64(3))
        for v: UInt8 in [1, 2, 3] { file.append(v) }
        file.key("array.strings", type: 9); file.append(UInt32(8)); file.append(UInt64(3))
        for s in ["a", "", "bc"] { file.append(string: s) }
        file.key("array.nested", type: 9); file.append(UInt32(9)); file.append(UInt64(2))
        file.append(UInt32(6)); file.append(UInt64(2)); file.append(Float(0.5)); file.append(Float(-1))
        file.append(UInt32(8)); file.append(UInt64(0))
        file.key("general.alignment", type: 4); file.append(UInt32(alignment))
        var offset = 0
        for tensor in tensors {
            file.tensorInfo(tensor.name, dimensions: tensor.dimensions, type: tensor.type.rawValue, offset: UInt64(offset))
            offset = (offset + tensor.payload.count + alignment - 1) / alignment * alignment
        }
        for tensor in tensors {
            file.pad(to: alignment)
            file.bytes.append(contentsOf: tensor.payload)
        }
        return file.data
    }
}

@Suite("GGUF reader on made-up files")
struct GGUFSyntheticTests {
    @Test func tinyFileParses() throws {
        let gguf = try GGUFFile(data: TinyGGUF.data, path: "tiny.gguf")
        #expect(gguf.version == 3)
        #expect(gguf.metadata["u8"] == .uint8(200))
        #expect(gguf.metadata["i8"]?.int == -5)
        #expect(gguf.metadata["u16"]?.int == 60000)
        #expect(gguf.metadata["i16"]?.int == -30000)
        #expect(gguf.metadata["u32"]?.int == 4_000_000_000)
        #expect(gguf.metadata["i32"]?.int == -2_000_000_000)
        #expect(gguf.metadata["f32"]?.float == 1.5)
        #expect(gguf.metadata["bool"]?.bool == true)
        #expect(gguf.metadata["string"]?.string == "héllo 🤗")
        #expect(gguf.metadata["u64"] == .uint64(.max))
        #expect(gguf.metadata["u64"]?.int == nil)
        #expect(gguf.metadata["i64"]?.int == Int(Int64.min))
        #expect(gguf.metadata["f64"]?.double == -0.125)
        #expect(gguf.metadata["array.u8"]?.intArray == [1, 2, 3])
        #expect(gguf.metadata["array.strings"]?.stringArray == ["a", "", "bc"])
        #expect(gguf.metadata["array.nested"] == .array([.array([.float32(0.5), .float32(-1)]), .array([])]))
        #expect(gguf.metadata["array.nested"]?.array?.first?.floatArray == [0.5, -1])
        #expect(gguf.metadataKeys.count == 16)
        #expect(gguf.alignment == 64)
        #expect(gguf.dataSectionOffset % 64 == 0)
        #expect(gguf.tensors.map(\.name) == TinyGGUF.tensors.map(\.name))
        #expect(gguf.tensors.last?.byteRange.upperBound == gguf.data.count)
    }

    @Test(arguments: TinyGGUF.tensors.map(\.name))
    func dequantizesEachType(name: String) throws {
        let gguf = try GGUFFile(data: TinyGGUF.data, path: "tiny.gguf")
        let expected = try #require(TinyGGUF.tensors.first { $0.name == name })
        let tensor = try gguf.dequantized(name)
        #expect(tensor.shape == expected.dimensions.reversed().map(Int.init))
        #expect(tensor.scalars.map(\.bitPattern) == expected.values.map(\.bitPattern))
    }

    @Test func halfConversionIsExact() {
        #expect(GGUFQuantization.halfToFloat(0x3C00) == 1)
        #expect(GGUFQuantization.halfToFloat(0x0001) == 0x1p-24)
        #expect(GGUFQuantization.halfToFloat(0x03FF) == 1023 * 0x1p-24)
        #expect(GGUFQuantization.halfToFloat(0x7C00) == .infinity)
        #expect(GGUFQuantization.halfToFloat(0xFC00) == -.infinity)
        #expect(GGUFQuantization.halfToFloat(0x7E00).isNaN)
        #expect(GGUFQuantization.halfToFloat(0x8000).sign == .minus)
    }

    @Test func everyTruncationThrows() {
        let bytes = [UInt8](TinyGGUF.data)
        for length in 0..<bytes.count {
            #expect(throws: FileFormatError.self, "prefix of \(length) bytes") {
                try GGUFFile(data: Data(bytes[..<length]), path: "truncated.gguf")
            }
        }
    }

    private func expectFailure(_ kind: FileFormatError.Kind, _ build: (inout GGUFBytes) -> Void,
                               sourceLocation: SourceLocation = #_sourceLocation) {
        var file = GGUFBytes()
        build(&file)
        do {
            _ = try GGUFFile(data: file.data, path: "hostile.gguf")
            Issue.record("expected a \(kind) error", sourceLocation: sourceLocation)
        } catch let error as FileFormatError {
            #expect(error.kind == kind, "\(error)", sourceLocation: sourceLocation)
            #expect(error.file == "hostile.gguf", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func headerProblems() {
        expectFailure(.badMagic) { $0.bytes = Array("GGML".utf8) + [3, 0, 0, 0] + Array(repeating: 0, count: 16) }
        expectFailure(.unsupportedVersion) { $0.header(version: 1, tensors: 0, metadata: 0) }
        expectFailure(.unsupportedVersion) { $0.header(version: 4, tensors: 0, metadata: 0) }
        expectFailure(.byteOrder) { $0.header(version: UInt32(3).byteSwapped, tensors: 0, metadata: 0) }
    }

    @Test func hugeCountsThrowWithoutAllocating() {
        for count in [UInt64(1) << 60, .max] {
            expectFailure(.truncated) { $0.header(tensors: 0, metadata: count) }
            expectFailure(.truncated) { $0.header(tensors: count, metadata: 0) }
            expectFailure(.truncated) { f in
                f.header(tensors: 0, metadata: 1)
                f.append(count)                        // key length
                f.bytes += Array("key".utf8)
            }
            for elementType: UInt32 in [0, 8, 9, 12] {
                expectFailure(.truncated) { f in
                    f.header(tensors: 0, metadata: 1)
                    f.key("array", type: 9)
                    f.append(elementType)
                    f.append(count)
                    f.bytes += Array(repeating: 0, count: 64)
                }
            }
            expectFailure(.truncated) { f in
                f.header(tensors: 0, metadata: 1)
                f.key("string", type: 8)
                f.append(count)
                f.bytes += Array(repeating: 0x41, count: 64)
            }
        }
    }

    @Test func malformedMetadataThrows() {
        expectFailure(.badHeader) { f in
            f.header(tensors: 0, metadata: 1)
            f.key("mystery", type: 13)
            f.append(UInt64(0))
        }
        expectFailure(.badHeader) { f in
            f.header(tensors: 0, metadata: 1)
            f.key("array", type: 9)
            f.append(UInt32(77))
            f.append(UInt64(1))
        }
        expectFailure(.badHeader) { f in
            f.header(tensors: 0, metadata: 2)
            f.key("twice", type: 0); f.append(UInt8(1))
            f.key("twice", type: 0); f.append(UInt8(2))
        }
        expectFailure(.badHeader) { f in
            f.header(tensors: 0, metadata: 1)
            f.key("general.alignment", type: 4); f.append(UInt32(48))
        }
        expectFailure(.badHeader) { f in
            f.header(tensors: 0, metadata: 1)
            f.key("deep", type: 9)
            for _ in 0..<20 { f.append(UInt32(9)); f.append(UInt64(1)) }
            f.append(UInt32(0)); f.append(UInt64(0))
        }
    }

    /// A file with one tensor info and `payload` bytes of data, 32-byte aligned.
    private func oneTensor(_ f: inout GGUFBytes, dimensions: [UInt64], type: UInt32, offset: UInt64 = 0,
                           payload: Int = 64, name: String = "w") {
        f.header(tensors: 1, metadata: 0)
        f.tensorInfo(name, dimensions: dimensions, type: type, offset: offset)
        f.pad(to: 32)
        f.bytes += Array(repeating: 0, count: payload)
    }

    @Test func malformedTensorsThrow() throws {
        var valid = GGUFBytes()
        oneTensor(&valid, dimensions: [4, 4], type: 0)
        #expect(try GGUFFile(data: valid.data).tensors.first?.shape == [4, 4])

        expectFailure(.offsetOutOfBounds) { oneTensor(&$0, dimensions: [4, 4], type: 0, offset: 64) }
        expectFailure(.offsetOutOfBounds) { oneTensor(&$0, dimensions: [4, 4], type: 0, offset: .max) }
        expectFailure(.offsetOutOfBounds) { oneTensor(&$0, dimensions: [4, 5], type: 0) }
        expectFailure(.offsetOutOfBounds) { oneTensor(&$0, dimensions: [4], type: 0, offset: 4) }
        expectFailure(.unsupportedDType) { oneTensor(&$0, dimensions: [4, 4], type: 99) }
        expectFailure(.unsupportedDType) { oneTensor(&$0, dimensions: [4, 4], type: 4) }   // removed Q4_2
        expectFailure(.invalidShape) { oneTensor(&$0, dimensions: [1, 1, 1, 1, 1], type: 0) }
        expectFailure(.invalidShape) { oneTensor(&$0, dimensions: [1 << 40, 1 << 40], type: 0) }
        expectFailure(.invalidShape) { oneTensor(&$0, dimensions: [.max], type: 0) }
        expectFailure(.invalidShape) { oneTensor(&$0, dimensions: [16], type: 8) }          // not whole Q8_0 blocks
        expectFailure(.offsetOutOfBounds) { oneTensor(&$0, dimensions: [1 << 40, 1 << 20], type: 0) }
        expectFailure(.badHeader) { f in
            f.header(tensors: 2, metadata: 0)
            f.tensorInfo("w", dimensions: [4], type: 0, offset: 0)
            f.tensorInfo("w", dimensions: [4], type: 0, offset: 32)
            f.pad(to: 32)
            f.bytes += Array(repeating: 0, count: 64)
        }
    }

    @Test func unsupportedQuantizationThrowsOnDequantize() throws {
        var file = GGUFBytes()
        oneTensor(&file, dimensions: [256], type: GGMLType.q6_K.rawValue, payload: 210)
        let gguf = try GGUFFile(data: file.data)
        #expect(gguf.tensors.first?.byteCount == 210)
        let error = try #require(throws: FileFormatError.self) { try gguf.dequantized("w") }
        #expect(error.kind == .unsupportedDType)
    }

    @Test func readsFromDisk() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tiny-\(UUID().uuidString).gguf")
        try TinyGGUF.data.write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let gguf = try GGUFFile(contentsOf: url)
        #expect(gguf.path == url.path)
        #expect(try gguf.dequantized("q4_1").scalars.first == -1)
        let missing = try #require(throws: FileFormatError.self) {
            try GGUFFile(contentsOf: url.appendingPathExtension("missing"))
        }
        #expect(missing.kind == .unreadable)
    }
}
