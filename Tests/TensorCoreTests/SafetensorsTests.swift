import Foundation
import Testing
import TensorCore

/// Golden files come from `tools/make_io_golden.py` (the Python `safetensors` package, Rust core).
@Suite("Safetensors")
struct SafetensorsTests {
    static func golden(_ name: String) -> URL { IOFixtures.url(name) }
    static let base: [Float] = [1.5, -2.25, 3, 0, 1e-3, -7]

    /// A safetensors file with a hand-written JSON header.
    static func file(header: String, buffer: [UInt8] = []) -> Data {
        let json = Array(header.utf8)
        return Data((0..<8).map { UInt8(truncatingIfNeeded: json.count >> (8 * $0)) } + json + buffer)
    }

    static func temporaryURL(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("safetensors-\(UUID().uuidString)-\(name)")
    }

    // MARK: Golden files

    @Test func readsTheReferenceFile() throws {
        let file = try SafetensorsFile(contentsOf: Self.golden("model.safetensors"))
        #expect(file.tensorNames == ["brain", "counts", "embeddings.weight", "half", "int32s", "mask", "position_ids"])
        #expect(file.metadata == ["format": "pt"])
        #expect(file.info("embeddings.weight")?.dtype == "F32")
        #expect(file.info("embeddings.weight")?.shape == [2, 3])
        #expect(file.info("nothing") == nil)

        #expect(try file.tensor(named: "embeddings.weight") == Tensor(shape: [2, 3], scalars: Self.base))
        #expect(try file.tensor(named: "half").scalars == [1, -0.5, 65504, 0x1p-24])
        #expect(try file.tensor(named: "brain").scalars == [1, -2.5, 3.140625, 1])
        #expect(try file.integers(named: "position_ids") == [0, 1, 2, -3])
        #expect(try file.tensor(named: "position_ids") == Tensor(shape: [1, 4], scalars: [0, 1, 2, -3]))
        #expect(try file.integers(named: "int32s") == [7, -8])
        #expect(try file.integers(named: "mask") == [1, 0, 1])
    }

    @Test func refusesUnsupportedAndMistypedRequests() throws {
        let file = try SafetensorsFile(contentsOf: Self.golden("model.safetensors"))
        let unsupported = #expect(throws: FileFormatError.self) { try file.tensor(named: "counts") }
        #expect(unsupported?.kind == .unsupportedDType)
        #expect(unsupported?.problem.contains("U16") == true)
        let mistyped = #expect(throws: FileFormatError.self) { try file.integers(named: "half") }
        #expect(mistyped?.kind == .typeMismatch)
    }

    @Test func missingTensorErrorNamesFileTensorAndNearNames() throws {
        let url = Self.golden("model.safetensors")
        let file = try SafetensorsFile(contentsOf: url)
        let error = #expect(throws: FileFormatError.self) { try file.tensor(named: "embedding.weight") }
        #expect(error?.kind == .missingEntry)
        #expect(error?.description.hasPrefix(url.path + ": has no tensor 'embedding.weight'") == true)
        #expect(error?.problem.contains("did you mean 'embeddings.weight'") == true)
    }

    /// Our writer reproduces the reference implementation byte for byte.
    @Test func writesExactlyWhatTheReferenceWrites() throws {
        let original = try Data(contentsOf: Self.golden("plain.safetensors"))
        let tensors = [
            "b": Tensor(shape: [2, 3], scalars: Self.base),
            "a.bias": Tensor(shape: [2], scalars: [0.25, -0.75]),
            "scalar": Tensor(shape: [], scalars: [2]),
        ]
        #expect(Safetensors.encode(tensors, metadata: ["format": "np"]) == original)
    }

    // MARK: Round trips

    @Test func tensorsAndMetadataRoundTrip() throws {
        let tensors = [
            "layer.0.weight": Tensor(shape: [3, 4]) { Float($0) - 5.5 },
            "empty": Tensor(zeros: [0, 7]),
            "scalar": Tensor(shape: [], scalars: [-1]),
            "quote\"back\\slash\ttab é": Tensor(shape: [1], scalars: [.infinity]),
        ]
        let metadata = ["format": "pt", "note": "line\nbreak \"quoted\"", "z": ""]
        let url = Self.temporaryURL("round.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try Safetensors.write(tensors, metadata: metadata, to: url)
        let file = try SafetensorsFile(contentsOf: url)
        #expect(file.tensorNames == tensors.keys.sorted())
        #expect(file.metadata == metadata)
        for (name, tensor) in tensors { #expect(try file.tensor(named: name) == tensor) }
        let header = try Data(contentsOf: url).prefix(8).reversed().reduce(0) { $0 << 8 | Int($1) }
        #expect(header % 8 == 0)
    }

    @Test func emptyFileRoundTrips() throws {
        let file = try SafetensorsFile(data: Safetensors.encode([:]), file: "empty.safetensors")
        #expect(file.tensorNames.isEmpty && file.metadata.isEmpty)
    }

    @Test func parsesDataSlices() throws {
        let original = try Data(contentsOf: Self.golden("plain.safetensors"))
        let slice = (Data([9, 9, 9]) + original).dropFirst(3)  // startIndex 3
        #expect(try SafetensorsFile(data: slice, file: "slice.safetensors").tensor(named: "a.bias").scalars == [0.25, -0.75])
    }

    @Test func suggestionsIgnoreUnrelatedNames() {
        let names = ["encoder.layer.0.attention.self.query.weight", "encoder.layer.0.attention.self.key.weight", "pooler.dense.bias"]
        #expect(FileFormatError.suggestions(for: "encoder.layer.0.attention.self.querry.weight", among: names).first == names[0])
        #expect(FileFormatError.suggestions(for: "query.weight", among: names).isEmpty == false)
        #expect(FileFormatError.suggestions(for: "completely.different", among: names).isEmpty)
        #expect(FileFormatError.suggestions(for: "", among: names).isEmpty)
    }

    // MARK: Hostile input

    @Test func everyTruncationThrows() throws {
        let original = try Data(contentsOf: Self.golden("plain.safetensors"))
        for length in 0..<original.count {
            #expect(throws: FileFormatError.self, "cut at \(length)") {
                try SafetensorsFile(data: original.prefix(length), file: "cut.safetensors")
            }
        }
    }

    @Test(arguments: [UInt64.max, 1 << 40, 100_000_001, 4096])
    func oversizedHeaderLengthsThrow(length: UInt64) {
        var data = Data((0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) })
        data.append(contentsOf: Array("{}".utf8))
        #expect(throws: FileFormatError.self) { try SafetensorsFile(data: data, file: "huge.safetensors") }
    }

    @Test(arguments: [
        ("{", FileFormatError.Kind.badHeader),
        ("[]", .badHeader),
        ("null", .badHeader),
        ("{\"t\": 1}", .badHeader),
        ("{\"t\": {\"shape\": [1], \"data_offsets\": [0, 4]}}", .badHeader),
        ("{\"t\": {\"dtype\": \"F32\", \"data_offsets\": [0, 4]}}", .badHeader),
        ("{\"t\": {\"dtype\": \"F32\", \"shape\": [1]}}", .badHeader),
        ("{\"t\": {\"dtype\": 32, \"shape\": [1], \"data_offsets\": [0, 4]}}", .badHeader),
        ("{\"t\": {\"dtype\": \"F32\", \"shape\": \"1\", \"data_offsets\": [0, 4]}}", .badHeader),
        ("{\"t\": {\"dtype\": \"F32\", \"shape\": [1.5], \"data_offsets\": [0, 4]}}", .badHeader),
        ("{\"t\": {\"dtype\": \"F32\", \"shape\": [true], \"data_offsets\": [0, 4]}}", .badHeader),
        ("{\"t\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0]}}", .badHeader),
        ("{\"t\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4, 8]}}", .badHeader),
        ("{\"t\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 99999999999999999999999]}}", .badHeader),
        ("{\"__metadata__\": {\"a\": 1}}", .badHeader),
        ("{\"t\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 0]}}", .offsetOutOfBounds),
        ("{\"t\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [-4, 0]}}", .offsetOutOfBounds),
        ("{\"t\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [8, 12]}}", .offsetOutOfBounds),
        ("{\"t\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 4]}}", .sizeMismatch),
        ("{\"t\": {\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [0, 4]}}", .invalidShape),
        ("{\"t\": {\"dtype\": \"F32\", \"shape\": [99999999999999, 99999999999], \"data_offsets\": [0, 4]}}", .invalidShape),
        ("{\"t\": {\"dtype\": \"Q4\", \"shape\": [4611686018427387904, 4], \"data_offsets\": [0, 4]}}", .invalidShape),
        ("{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}, \"b\": {\"dtype\": \"I16\", \"shape\": [2], \"data_offsets\": [2, 6]}}", .overlappingData),
    ])
    func malformedHeadersThrow(header: String, kind: FileFormatError.Kind) {
        let data = Self.file(header: header, buffer: [0, 0, 128, 63, 0, 0, 0, 64])
        let error = #expect(throws: FileFormatError.self) { try SafetensorsFile(data: data, file: "bad.safetensors") }
        #expect(error?.kind == kind, "\(error.map(String.init(describing:)) ?? "")")
    }

    @Test func offsetErrorReadsWell() {
        let data = Self.file(header: "{\"embeddings.weight\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [120, 128]}}", buffer: [0, 0, 0, 0])
        let error = #expect(throws: FileFormatError.self) { try SafetensorsFile(data: data, file: "model.safetensors") }
        #expect(error?.description == "model.safetensors: tensor 'embeddings.weight' data [120, 128) lies beyond the end of the data buffer (4 bytes)")
    }

    @Test func unknownDTypesOpenButThrowWhenRequested() throws {
        let data = Self.file(header: "{\"q\": {\"dtype\": \"Q4\", \"shape\": [2], \"data_offsets\": [0, 1]}}", buffer: [0x12])
        let file = try SafetensorsFile(data: data, file: "odd.safetensors")
        #expect(file.info("q")?.dtype == "Q4")
        let error = #expect(throws: FileFormatError.self) { try file.tensor(named: "q") }
        #expect(error?.kind == .unsupportedDType)
    }

    @Test func missingFileThrows() {
        let error = #expect(throws: FileFormatError.self) { try SafetensorsFile(contentsOf: Self.temporaryURL("absent.safetensors")) }
        #expect(error?.kind == .unreadable)
    }

    /// Random byte flips must produce an error or a file whose every tensor can be read or refused, never a crash.
    @Test func corruptedBytesNeverCrash() throws {
        let original = try Data(contentsOf: Self.golden("model.safetensors"))
        var generator = SeededGenerator(seed: 11)
        for _ in 0..<2000 {
            var data = original
            for _ in 0...Int(generator.next() % 3) {
                data[Int(generator.next() % UInt64(data.count))] = UInt8(truncatingIfNeeded: generator.next())
            }
            guard let file = try? SafetensorsFile(data: data, file: "fuzz.safetensors") else { continue }
            for name in file.tensorNames {
                _ = try? file.tensor(named: name)
                _ = try? file.integers(named: name)
            }
        }
    }
}
