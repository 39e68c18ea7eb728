/// A tree of layers with their parameter counts, printed like `torchinfo`/Keras summaries:
///
///     Transformer                          2 encoder + 2 decoder layers      81,088
///       encoder.layers.0                   TransformerEncoderLayer(post-norm)  8,544
///         self_attn                        MultiHeadAttention(4 heads × 8)     4,224
///     …
public struct ModuleSummary: Sendable, CustomStringConvertible {
    /// The layer's name in its parent (PyTorch's state-dict prefix where there is one).
    public var name: String
    /// What the layer is, with its sizes.
    public var detail: String
    /// Parameters of this layer and everything under it.
    public var parameterCount: Int
    public var children: [ModuleSummary]

    /// A leaf with its own parameters, or an inner node that sums its children.
    public init(name: String, detail: String, parameterCount: Int? = nil, children: [ModuleSummary] = []) {
        self.name = name
        self.detail = detail
        self.parameterCount = parameterCount ?? children.reduce(0) { $0 + $1.parameterCount }
        self.children = children
    }

    /// Depth-first rows `(depth, summary)`.
    public var rows: [(depth: Int, summary: ModuleSummary)] {
        [(0, self)] + children.flatMap { child in child.rows.map { ($0.depth + 1, $0.summary) } }
    }

    /// An indented table, `maximumDepth` levels deep, with a total line.
    public func table(maximumDepth: Int = .max) -> String {
        let shown = rows.filter { $0.depth <= maximumDepth }
        let names = shown.map { String(repeating: "  ", count: $0.depth) + $0.summary.name }
        let nameWidth = max(5, names.map(\.count).max() ?? 0) + 2
        let detailWidth = max(6, shown.map(\.summary.detail.count).max() ?? 0) + 2
        func pad(_ s: String, _ width: Int) -> String { s + String(repeating: " ", count: max(0, width - s.count)) }
        var lines = [pad("layer", nameWidth) + pad("detail", detailWidth) + "parameters"]
        for (row, name) in zip(shown, names) {
            lines.append(pad(name, nameWidth) + pad(row.summary.detail, detailWidth) + Self.grouped(row.summary.parameterCount))
        }
        lines.append("total parameters: \(Self.grouped(parameterCount))")
        return lines.joined(separator: "\n")
    }

    public var description: String { table() }

    /// `81088` → `"81,088"`.
    public static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }
}

extension Linear {
    public func summary(name: String) -> ModuleSummary {
        ModuleSummary(name: name, detail: "Linear(\(inputCount) → \(outputCount)\(bias == nil ? ", no bias" : ""))",
                      parameterCount: parameterCount)
    }
}

extension LayerNorm {
    public func summary(name: String) -> ModuleSummary {
        ModuleSummary(name: name, detail: "LayerNorm(\(weight.count), ε=\(epsilon))", parameterCount: parameterCount)
    }
}

extension FeedForward {
    public func summary(names: (up: String, gate: String, down: String) = ("up", "gate", "down")) -> [ModuleSummary] {
        [up.summary(name: names.up)] + (gate.map { [$0.summary(name: names.gate)] } ?? []) + [down.summary(name: names.down)]
    }
}

extension MultiHeadAttention {
    public func summary(name: String) -> ModuleSummary {
        let grouping = kvHeadCount == headCount ? "" : ", \(kvHeadCount) kv heads"
        return ModuleSummary(name: name, detail: "MultiHeadAttention(\(headCount) heads × \(headDimension)\(grouping))",
                             children: [query.summary(name: "query"), key.summary(name: "key"),
                                        value.summary(name: "value"), output.summary(name: "out_proj")])
    }
}
