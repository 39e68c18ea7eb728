import Foundation
import Testing
import TensorCore
import _TestSupport

/// The fixtures of `tools/make_io_golden.py`, shared by the Npy and Safetensors suites.
enum IOFixtures {
    static let directory: URL = {
        let url = GoldenFiles.directory("io", in: Bundle.module)
        if FileManager.default.fileExists(atPath: url.path) { return url }
        // swift-corelibs-foundation already reports `<bundle>/Resources` as the resource URL when that folder exists.
        return Bundle.module.resourceURL!.appendingPathComponent("io")
    }()

    static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }
}

/// Golden files come from `tools/make_io_golden.py` (numpy 2.x).
@Suite("Npy")
struct NpyTests {
    static func golden(_ name: String) -> URL { IOFixtures.url(name) }
    static let base: [Float] = [1.5, -2.25, 3, 0, 1e-3, -7]  // f4.npy, shape (2, 3)

    /// A `.npy` file with a hand-written header, padded like numpy's.
    static func npyFile(header: String, data: [UInt8] = [], version: UInt8 = 1) -> Data {
        var text = Array(header.utf8) + [0x0A]
        let lengthSize = version == 1 ? 2 : 4
        while (10 + (lengthSize - 2) + text.count) % 64 != 0 { text.insert(0x20, at: text.count - 1) }
        var file = Data([0x93] + Array("NUMPY".utf8) + [version, 0])
        file.append(contentsOf: (0..<lengthSize).map { UInt8(truncatingIfNeeded: text.count >> (8 * $0)) })
        file.append(contentsOf: text + data)
        return file
    }

    static func temporaryURL(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("npy-\(UUID().uuidString)-\(name)")
    }

    // MARK: Golden files

    @Test func readsEveryDType() throws {
        let f2 = try Npy.read(contentsOf: Self.golden("f2.npy"))
        #expect(f2.dtype == .float16 && f2.shape == [5])
        #expect(f2.floatTensor().scalars == [1, -0.5, 65504, 0x1p-14, 0x1p-24])

        let f4 = try Npy.readTensor(contentsOf: Self.golden("f4.npy"))
        #expect(f4 == Tensor(shape: [2, 3], scalars: Self.base))

        let f8 = try Npy.read(contentsOf: Self.golden("f8.npy"))
        #expect(f8.dtype == .float64 && f8.integers == nil)
        #expect(f8.floatTensor().scalars == [Float(0.1), -.infinity, 2.5, 0])

        let i4 = try Npy.read(contentsOf: Self.golden("i4.npy"))
        #expect(i4.dtype == .int32 && i4.shape == [2, 2])
        #expect(i4.integers == [-2_147_483_648, -1, 0, 2_147_483_647])

        let i8 = try Npy.read(contentsOf: Self.golden("i8.npy"))
        #expect(i8.integers == [-(1 << 62), 42, 1 << 40])
        #expect(i8.floatTensor().scalars == [-0x1p62, 42, 0x1p40])

        let u1 = try Npy.read(contentsOf: Self.golden("u1.npy"))
        #expect(u1.dtype == .uint8 && u1.integers == [0, 7, 255])

        let b1 = try Npy.read(contentsOf: Self.golden("b1.npy"))
        #expect(b1.dtype == .bool && b1.shape == [2, 2])
        #expect(b1.booleans == [true, false, false, true] && b1.integers == nil)
        #expect(b1.floatTensor().scalars == [1, 0, 0, 1])
    }

    @Test func readsScalarsVectorsAndEmptyArrays() throws {
        let scalar = try Npy.readTensor(contentsOf: Self.golden("scalar.npy"))
        #expect(scalar.shape == [] && scalar.scalars == [3.5])
        let vector = try Npy.readTensor(contentsOf: Self.golden("vector.npy"))
        #expect(vector.shape == [5] && vector.scalars == [0, 1, 2, 3, 4])
        let empty = try Npy.readTensor(contentsOf: Self.golden("empty.npy"))
        #expect(empty.shape == [0, 3] && empty.scalars.isEmpty)
    }

    @Test(arguments: ["version2.npy", "version3.npy"])
    func readsLaterFormatVersions(file: String) throws {
        #expect(try Npy.readTensor(contentsOf: Self.golden(file)) == Tensor(shape: [2, 3], scalars: Self.base))
    }

    @Test(arguments: [
        ("fortran.npy", FileFormatError.Kind.fortranOrder),
        ("bigendian.npy", .byteOrder),
        ("complex.npy", .unsupportedDType),
    ])
    func refusesWhatItCannotRead(file: String, kind: FileFormatError.Kind) {
        let error = #expect(throws: FileFormatError.self) { try Npy.read(contentsOf: Self.golden(file)) }
        #expect(error?.kind == kind)
        #expect(error?.file.hasSuffix(file) == true)
        #expect(error?.description.hasPrefix(Self.golden(file).path + ": ") == true)
    }

    /// Our writer reproduces `numpy.save` byte for byte, header padding included.
    @Test(arguments: ["f2.npy", "f4.npy", "f8.npy", "i4.npy", "i8.npy", "u1.npy", "b1.npy", "scalar.npy", "vector.npy", "empty.npy"])
    func writesExactlyWhatNumpyWrites(file: String) throws {
        let original = try Data(contentsOf: Self.golden(file))
        let array = try Npy.decode(original, file: file)
        #expect(Npy.encode(array) == original)
    }

    // MARK: Round trips

    @Test(arguments: [[], [1], [7], [2, 3, 4], [0], [3, 0, 2], [1, 1, 1, 1, 5]] as [[Int]])
    func tensorsRoundTrip(shape: [Int]) throws {
        let tensor = Tensor(shape: shape) { Float($0) * 0.37 - 1 }
        let url = Self.temporaryURL("tensor.npy")
        defer { try? FileManager.default.removeItem(at: url) }
        try Npy.write(tensor, to: url)
        #expect(try Npy.readTensor(contentsOf: url) == tensor)
        #expect(try Data(contentsOf: url).count % 64 == (4 * tensor.count) % 64, "data starts at a multiple of 64")
    }

    @Test func integerAndBooleanArraysRoundTrip() throws {
        let arrays = [
            NumpyArray(shape: [2, 2], integers: [Int.min, -1, 0, Int.max]),
            NumpyArray(shape: [3], integers: [-5, 0, 5], dtype: .int32),
            NumpyArray(shape: [2], integers: [0, 255], dtype: .uint8),
            NumpyArray(shape: [1, 3], booleans: [true, false, true]),
        ]
        for array in arrays {
            let url = Self.temporaryURL("array.npy")
            defer { try? FileManager.default.removeItem(at: url) }
            try Npy.write(array, to: url)
            #expect(try Npy.read(contentsOf: url) == array)
        }
        #expect(arrays[0].integers == [Int.min, -1, 0, Int.max])
        #expect(arrays[3].booleans == [true, false, true])
    }

    @Test func decodesDataSlices() throws {
        let original = try Data(contentsOf: Self.golden("f4.npy"))
        let slice = (Data([9, 9, 9]) + original).dropFirst(3)  // startIndex 3
        #expect(try Npy.decode(slice, file: "slice.npy").floatTensor().scalars == Self.base)
    }

    // MARK: Hostile input

    @Test func everyTruncationThrows() throws {
        let original = try Data(contentsOf: Self.golden("f4.npy"))
        for length in 0..<original.count {
            #expect(throws: FileFormatError.self, "cut at \(length)") { try Npy.decode(original.prefix(length), file: "cut.npy") }
        }
    }

    @Test func trailingBytesThrow() throws {
        let original = try Data(contentsOf: Self.golden("f4.npy"))
        let error = #expect(throws: FileFormatError.self) { try Npy.decode(original + [0], file: "long.npy") }
        #expect(error?.kind == .sizeMismatch)
    }

    @Test(arguments: [
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999, 99999999999), }", FileFormatError.Kind.invalidShape),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904,), }", .invalidShape),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999,), }", .invalidShape),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 3), }", .invalidShape),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", .truncated),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (2), }", .badHeader),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': [2], }", .badHeader),
        ("{'descr': '<f4', 'fortran_order': 0, 'shape': (2,), }", .badHeader),
        ("{'descr': '<f4', 'fortran_order': False, }", .badHeader),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}", .badHeader),
        ("{'descr': '<u4', 'fortran_order': False, 'shape': (2,), }", .unsupportedDType),
        ("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", .unsupportedDType),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } trailing", .badHeader),
        ("{'descr': '<f4', 'fortran_order': False, 'shape': (2,", .badHeader),
        ("{'descr': '<f4", .badHeader),
        ("", .badHeader),
        ("[1, 2]", .badHeader),
    ])
    func malformedHeadersThrow(header: String, kind: FileFormatError.Kind) {
        let error = #expect(throws: FileFormatError.self) { try Npy.decode(Self.npyFile(header: header), file: "bad.npy") }
        #expect(error?.kind == kind, "\(error.map(String.init(describing:)) ?? "")")
    }

    @Test func badMagicVersionAndHeaderLengthThrow() throws {
        let original = try Data(contentsOf: Self.golden("f4.npy"))
        var magic = original; magic[1] = UInt8(ascii: "X")
        var version = original; version[6] = 4
        var length = original; length[8] = 0xFF; length[9] = 0xFF
        let cases: [(Data, FileFormatError.Kind)] = [(magic, .badMagic), (version, .unsupportedVersion), (length, .truncated)]
        for (data, kind) in cases {
            let error = #expect(throws: FileFormatError.self) { try Npy.decode(data, file: "bad.npy") }
            #expect(error?.kind == kind)
        }
        let version2 = Self.npyFile(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", data: [0, 0, 128, 63], version: 2)
        #expect(try Npy.decode(version2, file: "v2.npy").floatTensor().scalars == [1])
    }

    @Test func missingFileThrows() {
        let error = #expect(throws: FileFormatError.self) { try Npy.read(contentsOf: Self.temporaryURL("absent.npy")) }
        #expect(error?.kind == .unreadable)
    }

    /// Random byte flips must produce an error or an array, never a crash.
    @Test func corruptedBytesNeverCrash() throws {
        let original = try Data(contentsOf: Self.golden("f4.npy"))
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<3000 {
            var data = original
            for _ in 0...Int(generator.next() % 3) {
                data[Int(generator.next() % UInt64(data.count))] = UInt8(truncatingIfNeeded: generator.next())
            }
            _ = try? Npy.decode(data, file: "fuzz.npy")
        }
    }
}
