import Foundation
import TensorCore
import NN
import Visualization

/// `attention positional-encoding`: writes a positional encoding table and its picture.
enum PositionalEncodingCommand: Command {
    static let name = "positional-encoding"
    static let summary = "sinusoidal, rotary or ALiBi position encodings as .npy and PNG"
    static let usage = """
    Usage: attention positional-encoding --length L --dim D [--kind sinusoidal|rope|alibi] [--output PE.npy] [--png PE.png]

    Kinds:
      sinusoidal  (default) [L, D]: PE[p, i] = sin(p / 10000^(2·(i//2)/D)) for even i, cos(...) for odd i
                  ("Attention Is All You Need", §3.5). --base changes 10000.
      rope        [L, D]: the rotary embedding's cos(p·θ_i) and sin(p·θ_i), θ_i = base^(-2i/D), in the two channels
                  of pair i: --convention half-split (default; GPT-NeoX / Hugging Face: channels i and i + D/2) or
                  adjacent (GPT-J / llama.cpp: channels 2i and 2i+1). --base defaults to 10000.
      alibi       [H, L, L]: the ALiBi bias -slope_h·|i - j| added to query i's score for key j, with the standard
                  slopes (2^(-8/H), 2^(-16/H), ...). --heads H (default 8); --dim is not used.

    Options:
      --offset P     position of the first row (default 0), as for tokens after a KV cache
      --output F     write the table as float32 .npy
      --png F        write a picture: a heatmap (blue -1, white 0, red +1) or, for alibi, one panel per head
    At least one of --output and --png is required.

    Example:
      attention positional-encoding --length 64 --dim 128 --output pe.npy --png pe.png
    """
    static let options: Set<String> = ["length", "dim", "kind", "output", "png", "base", "convention", "heads", "offset"]

    static func run(_ arguments: Arguments) throws {
        guard let length = try arguments.positiveInt("length") else { throw UsageError("missing required option --length") }
        let kind = arguments.string("kind") ?? "sinusoidal"
        let offset = try arguments.int("offset") ?? 0
        guard offset >= 0 else { throw UsageError("--offset must be ≥ 0, got \(offset)") }
        let outputPath = arguments.string("output"), pngPath = arguments.string("png")
        guard outputPath != nil || pngPath != nil else { throw UsageError("nothing to do: give --output PE.npy and/or --png PE.png") }
        let base = try arguments.float("base")
        if let base, base <= 1 { throw UsageError("--base must be greater than 1, got \(base)") }

        let table: Tensor
        let picture: Canvas
        switch kind {
        case "sinusoidal", "rope":
            guard let dimension = try arguments.positiveInt("dim") else { throw UsageError("missing required option --dim") }
            if kind == "sinusoidal" {
                table = PositionalEncoding.sinusoidal(length: length, dimension: dimension, base: Double(base ?? 10_000), offset: offset)
            } else {
                guard dimension % 2 == 0 else { throw UsageError("--dim must be even for rope, got \(dimension)") }
                let conventionName = arguments.string("convention") ?? "half-split"
                let convention: RotaryEmbedding.Convention
                switch conventionName {
                case "half-split", "neox", "hf": convention = .halfSplit
                case "adjacent", "gptj", "llama.cpp": convention = .adjacentPairs
                default: throw UsageError("--convention must be half-split or adjacent, got '\(conventionName)'")
                }
                table = RotaryEmbedding(dimensions: dimension, base: base ?? 10_000, convention: convention)
                    .cosineSineTable(length: length, offset: offset)
            }
            var map = Heatmap(table, title: kind == "sinusoidal" ? "Sinusoidal positional encoding, \(length) x \(dimension)"
                                                               : "RoPE cos/sin table (\(arguments.string("convention") ?? "half-split")), \(length) x \(dimension)",
                              colorMap: .blueWhiteRed, range: -1...1, annotations: .never)
            map.rowAxisTitle = "position"
            map.columnAxisTitle = "dimension i"
            map.colorBarLabel = "value"
            picture = map.render()
        case "alibi":
            let heads = try arguments.positiveInt("heads") ?? 8
            let slopes = PositionalEncoding.alibiSlopes(headCount: heads)
            table = PositionalEncoding.alibiBias(slopes: slopes, queries: length, keys: length + offset)
                .sliced(axis: 2, 0..<(length + offset))
            let panels = (0..<heads).map { table.sliced(axis: 0, $0..<($0 + 1)).reshaped([length, length + offset]) }
            var grid = HeatmapGrid(panels: panels, captions: slopes.enumerated().map { "head \($0) slope \(String(format: "%.3g", $1))" },
                                   columnCount: min(heads, 4), title: "ALiBi bias -slope*|i - j|, \(length) queries",
                                   colorMap: .viridis)
            grid.colorBarLabel = "bias"
            picture = grid.render()
        default:
            throw UsageError("--kind must be sinusoidal, rope or alibi, got '\(kind)'")
        }
        if let outputPath {
            try Npy.write(table, to: URL(fileURLWithPath: outputPath))
            print("wrote \(outputPath) \(table.shape)")
        }
        if let pngPath {
            try picture.writePNG(to: URL(fileURLWithPath: pngPath))
            print("wrote \(pngPath) (\(picture.width)x\(picture.height))")
        }
    }
}
