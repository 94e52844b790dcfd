using System.Text.Json.Nodes;
using SemanticSearch.Checkpoints;
using SemanticSearch.Model.Configuration;
using SemanticSearch.Tensors;

namespace SemanticSearch.Model.Weights;

/// <summary>The four Linear weights of one encoder layer in int8 (per output channel).</summary>
public sealed record Int8LayerWeights(
    QuantizedLinearWeight Qkv, QuantizedLinearWeight AttentionOutput, QuantizedLinearWeight Intermediate, QuantizedLinearWeight Output);

/// <summary>
/// int8 inference weights of a BERT encoder and their folder format. Only the Linear layers are quantized
/// (weights per output channel, activations per token at run time); embeddings, LayerNorm, attention
/// scores, softmax and GELU stay float32.
///
/// On disk (the Transformer folder): <c>quantization_config.json</c> beside config.json names the scheme; in
/// model.safetensors each quantized <c>….weight</c> is an I8 tensor [out, in] and <c>….weight_scale</c> an F32
/// tensor [out]; everything else is F32 as in any model folder. In memory the float arrays of
/// <see cref="BertWeights"/> hold the dequantized weights (value·scale), so code that reads float weights
/// (fingerprint, training) sees what the int8 model stands for.
/// </summary>
public static class Int8Weights
{
    public const string ConfigFileName = "quantization_config.json";
    /// <summary>Names the arithmetic; enters the model fingerprint, so change it whenever outputs could change.</summary>
    public const string Scheme = "semsearch-int8-v1: linear weights int8 symmetric per output channel; activations int8 symmetric dynamic per token; int32 accumulation";
    private const string ScaleSuffix = "_scale";

    private static readonly string[] QkvParts = ["query", "key", "value"];

    /// <summary>Quantizes every Linear weight of <paramref name="weights"/> (float) per output channel.</summary>
    public static Int8LayerWeights[] Quantize(BertConfig config, BertWeights weights)
    {
        int h = config.HiddenSize, inter = config.IntermediateSize;
        return weights.Layers.Select(l => new Int8LayerWeights(
            QuantizedLinearWeight.Quantize(l.QkvWeight, 3 * h, h),
            QuantizedLinearWeight.Quantize(l.AttentionOutputWeight, h, h),
            QuantizedLinearWeight.Quantize(l.IntermediateWeight, inter, h),
            QuantizedLinearWeight.Quantize(l.OutputWeight, h, inter))).ToArray();
    }

    /// <summary>
    /// A new <see cref="BertWeights"/> whose Linear float arrays are the dequantized int8 weights and which
    /// runs int8 inference; embeddings, biases and LayerNorm parameters are shared with <paramref name="source"/>.
    /// </summary>
    public static BertWeights Attach(BertConfig config, BertWeights source, Int8LayerWeights[] int8)
    {
        if (int8.Length != source.Layers.Count)
            throw new ArgumentException($"{int8.Length} quantized layers for a {source.Layers.Count}-layer model", nameof(int8));
        var layers = source.Layers.Select((l, i) => new BertLayerWeights
        {
            QkvWeight = int8[i].Qkv.Dequantize(),
            QkvBias = l.QkvBias,
            AttentionOutputWeight = int8[i].AttentionOutput.Dequantize(),
            AttentionOutputBias = l.AttentionOutputBias,
            AttentionLayerNormWeight = l.AttentionLayerNormWeight,
            AttentionLayerNormBias = l.AttentionLayerNormBias,
            IntermediateWeight = int8[i].Intermediate.Dequantize(),
            IntermediateBias = l.IntermediateBias,
            OutputWeight = int8[i].Output.Dequantize(),
            OutputBias = l.OutputBias,
            OutputLayerNormWeight = l.OutputLayerNormWeight,
            OutputLayerNormBias = l.OutputLayerNormBias,
        }).ToArray();
        var weights = new BertWeights
        {
            WordEmbeddings = source.WordEmbeddings,
            PositionEmbeddings = source.PositionEmbeddings,
            TokenTypeEmbeddings = source.TokenTypeEmbeddings,
            EmbeddingLayerNormWeight = source.EmbeddingLayerNormWeight,
            EmbeddingLayerNormBias = source.EmbeddingLayerNormBias,
            Layers = layers,
        };
        weights.AttachInt8(int8);
        return weights;
    }

    /// <summary>The tensors of a quantized model's model.safetensors: I8 Linear weights + F32 scales, the rest F32.</summary>
    public static IEnumerable<NamedTensor> ToTensors(BertConfig config, BertWeights weights, Int8LayerWeights[] int8)
    {
        var quantized = new Dictionary<string, QuantizedLinearWeight>(StringComparer.Ordinal);
        int h = config.HiddenSize;
        for (int i = 0; i < int8.Length; i++)
        {
            string p = $"encoder.layer.{i}.";
            var q = int8[i];
            for (int j = 0; j < 3; j++)
                quantized[$"{p}attention.self.{QkvParts[j]}.weight"] = Slice(q.Qkv, j * h, h);
            quantized[$"{p}attention.output.dense.weight"] = q.AttentionOutput;
            quantized[$"{p}intermediate.dense.weight"] = q.Intermediate;
            quantized[$"{p}output.dense.weight"] = q.Output;
        }
        foreach (var (name, shape, data) in weights.EnumerateNamed(config))
        {
            if (!quantized.TryGetValue(name, out var q))
            {
                yield return new NamedTensor(name, shape, data);
                continue;
            }
            yield return NamedTensor.FromIntegers(name, shape, Array.ConvertAll(q.Values, v => (long)v), TensorDType.I8);
            yield return new NamedTensor(name + ScaleSuffix, [q.OutFeatures], q.Scales);
        }
    }

    /// <summary>
    /// Splits a quantized checkpoint into float tensors for <see cref="BertWeightBinder"/> (each I8 weight replaced by
    /// its dequantized floats, scales removed) and the int8 layers. Every Linear weight must be I8 with a valid scale.
    /// </summary>
    public static (Dictionary<string, NamedTensor> Floats, Int8LayerWeights[] Int8) FromTensors(
        IReadOnlyDictionary<string, NamedTensor> tensors, BertConfig config, string filePath)
    {
        var floats = new Dictionary<string, NamedTensor>(tensors, StringComparer.Ordinal);
        int h = config.HiddenSize, inter = config.IntermediateSize;

        QuantizedLinearWeight Take(string name, int outFeatures, int inFeatures)
        {
            string scaleName = name + ScaleSuffix;
            if (!tensors.TryGetValue(name, out var values))
                throw new CheckpointFormatException(filePath, name, "missing quantized weight (I8)");
            if (!tensors.TryGetValue(scaleName, out var scales))
                throw new CheckpointFormatException(filePath, scaleName, $"missing per-channel scale (F32 [{outFeatures}])");
            if (values.SourceDType != TensorDType.I8 || values.IntegerValues is null)
                throw new CheckpointFormatException(filePath, name, $"expected I8 in a quantized model ({ConfigFileName}), got {values.SourceDType}");
            if (!values.Shape.SequenceEqual(new[] { outFeatures, inFeatures }))
                throw new CheckpointFormatException(filePath, name, $"shape [{string.Join(", ", values.Shape)}], expected [{outFeatures}, {inFeatures}]");
            if (scales.SourceDType.IsInteger() || !scales.Shape.SequenceEqual(new[] { outFeatures }))
                throw new CheckpointFormatException(filePath, scaleName, $"expected F32 [{outFeatures}], got {scales.SourceDType} [{string.Join(", ", scales.Shape)}]");
            QuantizedLinearWeight q;
            try { q = QuantizedLinearWeight.FromValues(Array.ConvertAll(values.IntegerValues, v => (sbyte)v), scales.Data, outFeatures, inFeatures); }
            catch (ArgumentException e) { throw new CheckpointFormatException(filePath, name, e.Message); }
            floats.Remove(scaleName);
            floats[name] = new NamedTensor(name, values.Shape, q.Dequantize());
            return q;
        }

        var layers = new Int8LayerWeights[config.NumHiddenLayers];
        for (int i = 0; i < layers.Length; i++)
        {
            string p = $"encoder.layer.{i}.";
            var qkv = QkvParts.Select(part => Take($"{p}attention.self.{part}.weight", h, h)).ToArray();
            layers[i] = new Int8LayerWeights(
                Concatenate(qkv, h),
                Take($"{p}attention.output.dense.weight", h, h),
                Take($"{p}intermediate.dense.weight", inter, h),
                Take($"{p}output.dense.weight", h, inter));
        }
        return (floats, layers);
    }

    /// <summary>quantization_config.json: what a reader needs to know the folder is int8.</summary>
    public static JsonObject ConfigJson() => new()
    {
        ["quant_method"] = "semsearch-int8",
        ["version"] = 1,
        ["scheme"] = Scheme,
        ["weight_dtype"] = "I8",
        ["weight_scale_suffix"] = ScaleSuffix,
        ["modules"] = new JsonArray("attention.self.query", "attention.self.key", "attention.self.value",
            "attention.output.dense", "intermediate.dense", "output.dense"),
    };

    /// <summary>Checks quantization_config.json names a scheme this build runs.</summary>
    public static void CheckConfig(string path)
    {
        JsonNode? node;
        try { node = JsonNode.Parse(File.ReadAllText(path)); }
        catch (System.Text.Json.JsonException e) { throw new ModelConfigException(path, null, $"not valid JSON: {e.Message}"); }
        string? method = node?["quant_method"]?.GetValueKind() == System.Text.Json.JsonValueKind.String ? (string?)node["quant_method"] : null;
        if (method != "semsearch-int8")
            throw new ModelConfigException(path, "quant_method", $"'{method ?? "(missing)"}' is not a quantization this build runs (expected 'semsearch-int8')");
        int? version = node?["version"]?.GetValueKind() == System.Text.Json.JsonValueKind.Number ? (int?)node["version"] : null;
        if (version != 1)
            throw new ModelConfigException(path, "version", $"{version?.ToString() ?? "(missing)"} is not a semsearch-int8 version this build runs (expected 1)");
    }

    // Rows [first, first + count) of a quantized weight (its values and scales): splits fused q|k|v for saving.
    private static QuantizedLinearWeight Slice(QuantizedLinearWeight w, int first, int count) =>
        QuantizedLinearWeight.FromValues(w.Values.AsSpan(first * w.InFeatures, count * w.InFeatures).ToArray(),
            w.Scales.AsSpan(first, count).ToArray(), count, w.InFeatures);

    private static QuantizedLinearWeight Concatenate(QuantizedLinearWeight[] parts, int inFeatures) =>
        QuantizedLinearWeight.FromValues(parts.SelectMany(p => p.Values).ToArray(), parts.SelectMany(p => p.Scales).ToArray(),
            parts.Sum(p => p.OutFeatures), inFeatures);
}
