import Foundation
import TensorCore

/// How a Hugging Face BERT checkpoint names its tensors, as data: one row per parameter of ``BERTModel``, with the
/// checkpoint name (`{layer}` stands for the layer index) and the expected shape.
///
/// ``sanitize(_:)`` maps the variants seen in the wild onto these names before lookup: a `bert.` prefix
/// (`BertForMaskedLM`, `BertForSequenceClassification` checkpoints) and TensorFlow-era `LayerNorm.gamma`/`beta`.
enum BERTCheckpoint {
    /// One tensor: the checkpoint name and its shape under a configuration.
    struct Entry {
        let name: String
        let shape: @Sendable (BERTConfiguration) -> [Int]
    }

    /// Parameters outside the layers. Legend: V vocabulary, P positions, S segment types, C width.
    static let embeddings: [String: Entry] = [
        "word": Entry(name: "embeddings.word_embeddings.weight") { [$0.vocabularySize, $0.hiddenSize] },         // [V, C]
        "position": Entry(name: "embeddings.position_embeddings.weight") { [$0.maxPositionEmbeddings, $0.hiddenSize] },  // [P, C]
        "tokenType": Entry(name: "embeddings.token_type_embeddings.weight") { [$0.typeVocabularySize, $0.hiddenSize] },  // [S, C]
        "norm.weight": Entry(name: "embeddings.LayerNorm.weight") { [$0.hiddenSize] },
        "norm.bias": Entry(name: "embeddings.LayerNorm.bias") { [$0.hiddenSize] },
    ]

    /// Parameters of layer `{layer}`; F is the feed-forward width. Linear weights are `[out, in]`.
    static let layer: [String: Entry] = [
        "query.weight": Entry(name: "encoder.layer.{layer}.attention.self.query.weight") { [$0.hiddenSize, $0.hiddenSize] },
        "query.bias": Entry(name: "encoder.layer.{layer}.attention.self.query.bias") { [$0.hiddenSize] },
        "key.weight": Entry(name: "encoder.layer.{layer}.attention.self.key.weight") { [$0.hiddenSize, $0.hiddenSize] },
        "key.bias": Entry(name: "encoder.layer.{layer}.attention.self.key.bias") { [$0.hiddenSize] },
        "value.weight": Entry(name: "encoder.layer.{layer}.attention.self.value.weight") { [$0.hiddenSize, $0.hiddenSize] },
        "value.bias": Entry(name: "encoder.layer.{layer}.attention.self.value.bias") { [$0.hiddenSize] },
        "output.weight": Entry(name: "encoder.layer.{layer}.attention.output.dense.weight") { [$0.hiddenSize, $0.hiddenSize] },
        "output.bias": Entry(name: "encoder.layer.{layer}.attention.output.dense.bias") { [$0.hiddenSize] },
        "attentionNorm.weight": Entry(name: "encoder.layer.{layer}.attention.output.LayerNorm.weight") { [$0.hiddenSize] },
        "attentionNorm.bias": Entry(name: "encoder.layer.{layer}.attention.output.LayerNorm.bias") { [$0.hiddenSize] },
        "up.weight": Entry(name: "encoder.layer.{layer}.intermediate.dense.weight") { [$0.intermediateSize, $0.hiddenSize] },  // [F, C]
        "up.bias": Entry(name: "encoder.layer.{layer}.intermediate.dense.bias") { [$0.intermediateSize] },
        "down.weight": Entry(name: "encoder.layer.{layer}.output.dense.weight") { [$0.hiddenSize, $0.intermediateSize] },   // [C, F]
        "down.bias": Entry(name: "encoder.layer.{layer}.output.dense.bias") { [$0.hiddenSize] },
        "outputNorm.weight": Entry(name: "encoder.layer.{layer}.output.LayerNorm.weight") { [$0.hiddenSize] },
        "outputNorm.bias": Entry(name: "encoder.layer.{layer}.output.LayerNorm.bias") { [$0.hiddenSize] },
    ]

    /// The canonical form of a checkpoint name: no `bert.` prefix, `gamma`/`beta` as `weight`/`bias`.
    static func sanitize(_ name: String) -> String {
        var name = name.hasPrefix("bert.") ? String(name.dropFirst(5)) : name
        if name.hasSuffix("LayerNorm.gamma") { name = String(name.dropLast(5)) + "weight" }
        if name.hasSuffix("LayerNorm.beta") { name = String(name.dropLast(4)) + "bias" }
        return name
    }
}

/// Reads a BERT checkpoint's tensors by canonical name, checking each shape against the configuration.
struct BERTWeightReader {
    let file: SafetensorsFile
    let configuration: BERTConfiguration
    /// Canonical name → name stored in the file.
    let stored: [String: String]

    init(file: SafetensorsFile, configuration: BERTConfiguration) {
        self.file = file
        self.configuration = configuration
        var stored: [String: String] = [:]
        for name in file.tensorNames { stored[BERTCheckpoint.sanitize(name)] = name }
        self.stored = stored
    }

    /// The tensor of `entry` (for layer `layer`, if it is a layer parameter).
    /// - Throws: ``ModelError`` `.invalid` when it is missing, has another shape, or its bytes are unreadable.
    func tensor(_ entry: BERTCheckpoint.Entry, layer: Int? = nil) throws(ModelError) -> Tensor {
        let canonical = layer.map { entry.name.replacingOccurrences(of: "{layer}", with: String($0)) } ?? entry.name
        guard let name = stored[canonical] else {
            let near = FileFormatError.suggestions(for: canonical, among: Array(stored.keys))
            throw ModelError(.invalid, "\(file.file) has no tensor '\(canonical)' (with or without a 'bert.' prefix)"
                + (near.isEmpty ? "" : "; similar names: \(near.joined(separator: ", "))")
                + ". Is this a BERT checkpoint matching config.json?")
        }
        let expected = entry.shape(configuration)
        let tensor: Tensor
        do { tensor = try file.tensor(named: name) } catch {
            throw ModelError(.invalid, "\(error.description) The model file looks corrupt; fetch it again "
                + "(`attention models fetch minilm` for the default model).")
        }
        guard tensor.shape == expected else {
            throw ModelError(.invalid, "\(file.file): tensor '\(name)' has shape \(tensor.shape) but config.json implies "
                + "\(expected).")
        }
        return tensor
    }
}
