using SemanticSearch.Checkpoints;
using SemanticSearch.Model.Configuration;

namespace SemanticSearch.Model.Weights;

/// <summary>
/// Matches checkpoint tensors to BERT parameters by their Hugging Face names. Accepts names with or
/// without the "bert." prefix (BertModel vs BertFor* checkpoints) and legacy LayerNorm gamma/beta names.
/// Skips tensors sentence embeddings never use (pooler, MLM head, the position_ids buffer). Any other
/// leftover, any missing tensor and any wrong shape is a <see cref="CheckpointFormatException"/> naming
/// the file and the tensor, because silently ignoring weights yields a model that runs but is wrong.
/// </summary>
public static class BertWeightBinder
{
    public static BertWeights Bind(IReadOnlyDictionary<string, NamedTensor> tensors, BertConfig config, string filePath)
    {
        var byName = Canonicalize(tensors, filePath);
        var taken = new HashSet<string>(StringComparer.Ordinal);
        int h = config.HiddenSize, inter = config.IntermediateSize;

        float[] Take(string name, params int[] shape)
        {
            if (!byName.TryGetValue(name, out var tensor))
                throw new CheckpointFormatException(filePath, name, "missing tensor (expected shape [" + string.Join(", ", shape) + "])");
            if (!tensor.Shape.SequenceEqual(shape))
                throw new CheckpointFormatException(filePath, tensor.Name,
                    $"shape [{string.Join(", ", tensor.Shape)}] does not match config.json, expected [{string.Join(", ", shape)}]");
            if (tensor.SourceDType.IsInteger())
                throw new CheckpointFormatException(filePath, tensor.Name, $"expected a floating-point tensor, got {tensor.SourceDType}");
            taken.Add(name);
            return tensor.Data;
        }

        var layers = new BertLayerWeights[config.NumHiddenLayers];
        for (int i = 0; i < layers.Length; i++)
        {
            string p = $"encoder.layer.{i}.";
            // Fused [3H, H]: row blocks query | key | value, matching the q|k|v column order Attention expects.
            var qkvWeight = new float[3 * h * h];
            var qkvBias = new float[3 * h];
            string[] parts = { "query", "key", "value" };
            for (int j = 0; j < 3; j++)
            {
                Take($"{p}attention.self.{parts[j]}.weight", h, h).CopyTo(qkvWeight, j * h * h);
                Take($"{p}attention.self.{parts[j]}.bias", h).CopyTo(qkvBias, j * h);
            }
            layers[i] = new BertLayerWeights
            {
                QkvWeight = qkvWeight,
                QkvBias = qkvBias,
                AttentionOutputWeight = Take($"{p}attention.output.dense.weight", h, h),
                AttentionOutputBias = Take($"{p}attention.output.dense.bias", h),
                AttentionLayerNormWeight = Take($"{p}attention.output.LayerNorm.weight", h),
                AttentionLayerNormBias = Take($"{p}attention.output.LayerNorm.bias", h),
                IntermediateWeight = Take($"{p}intermediate.dense.weight", inter, h),
                IntermediateBias = Take($"{p}intermediate.dense.bias", inter),
                OutputWeight = Take($"{p}output.dense.weight", h, inter),
                OutputBias = Take($"{p}output.dense.bias", h),
                OutputLayerNormWeight = Take($"{p}output.LayerNorm.weight", h),
                OutputLayerNormBias = Take($"{p}output.LayerNorm.bias", h),
            };
        }

        var weights = new BertWeights
        {
            WordEmbeddings = Take("embeddings.word_embeddings.weight", config.VocabSize, h),
            PositionEmbeddings = Take("embeddings.position_embeddings.weight", config.MaxPositionEmbeddings, h),
            TokenTypeEmbeddings = Take("embeddings.token_type_embeddings.weight", config.TypeVocabSize, h),
            EmbeddingLayerNormWeight = Take("embeddings.LayerNorm.weight", h),
            EmbeddingLayerNormBias = Take("embeddings.LayerNorm.bias", h),
            Layers = layers,
        };

        var unexpected = byName.Keys.Where(k => !taken.Contains(k)).Order(StringComparer.Ordinal).ToList();
        if (unexpected.Count > 0)
            throw new CheckpointFormatException(filePath, byName[unexpected[0]].Name,
                $"unexpected tensor (not a parameter of a {config.NumHiddenLayers}-layer BertModel)"
                + (unexpected.Count > 1 ? $"; {unexpected.Count - 1} more unexpected: {string.Join(", ", unexpected.Skip(1).Take(5).Select(u => byName[u].Name))}" : ""));
        return weights;
    }

    /// <summary>Maps each checkpoint tensor to its canonical BertModel name, dropping the ones we ignore.</summary>
    private static Dictionary<string, NamedTensor> Canonicalize(IReadOnlyDictionary<string, NamedTensor> tensors, string filePath)
    {
        var result = new Dictionary<string, NamedTensor>(StringComparer.Ordinal);
        foreach (var (original, tensor) in tensors)
        {
            if (original.StartsWith("cls.", StringComparison.Ordinal)) continue; // BertForPreTraining MLM/NSP heads
            string name = original.StartsWith("bert.", StringComparison.Ordinal) ? original["bert.".Length..] : original;
            if (name.StartsWith("pooler.", StringComparison.Ordinal) || name == "embeddings.position_ids") continue;
            // Checkpoints converted from TensorFlow name LayerNorm parameters gamma/beta.
            if (name.EndsWith("LayerNorm.gamma", StringComparison.Ordinal)) name = name[..^"gamma".Length] + "weight";
            else if (name.EndsWith("LayerNorm.beta", StringComparison.Ordinal)) name = name[..^"beta".Length] + "bias";
            if (!result.TryAdd(name, tensor))
                throw new CheckpointFormatException(filePath, original, $"duplicate: '{result[name].Name}' already provides parameter '{name}'");
        }
        return result;
    }
}
