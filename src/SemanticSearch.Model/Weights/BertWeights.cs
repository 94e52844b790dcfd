using SemanticSearch.Model.Configuration;

namespace SemanticSearch.Model.Weights;

/// <summary>
/// The parameters of one encoder layer, in PyTorch layout ([out, in] weights). Query, key and value are
/// fused into one [3H, H] weight (rows: query, then key, then value) so the projection is a single GEMM
/// over all packed tokens; the original three matrices are the three row blocks, so saving splits them back.
/// </summary>
public sealed class BertLayerWeights
{
    public required float[] QkvWeight { get; init; }          // [3H, H]
    public required float[] QkvBias { get; init; }            // [3H]
    public required float[] AttentionOutputWeight { get; init; } // [H, H]
    public required float[] AttentionOutputBias { get; init; }   // [H]
    public required float[] AttentionLayerNormWeight { get; init; } // [H]
    public required float[] AttentionLayerNormBias { get; init; }   // [H]
    public required float[] IntermediateWeight { get; init; } // [I, H]
    public required float[] IntermediateBias { get; init; }   // [I]
    public required float[] OutputWeight { get; init; }       // [H, I]
    public required float[] OutputBias { get; init; }         // [H]
    public required float[] OutputLayerNormWeight { get; init; } // [H]
    public required float[] OutputLayerNormBias { get; init; }   // [H]
}

/// <summary>All parameters of a BERT encoder that sentence embeddings use (no pooler, no MLM head).</summary>
public sealed class BertWeights
{
    public required float[] WordEmbeddings { get; init; }      // [V, H]
    public required float[] PositionEmbeddings { get; init; }  // [P, H]
    public required float[] TokenTypeEmbeddings { get; init; } // [TV, H]
    public required float[] EmbeddingLayerNormWeight { get; init; } // [H]
    public required float[] EmbeddingLayerNormBias { get; init; }   // [H]
    public required IReadOnlyList<BertLayerWeights> Layers { get; init; }

    internal InferenceWeightPacks InferencePacks { get; } = new();

    /// <summary>
    /// Declares that these arrays will now change in place (a training graph took them): the packed copies
    /// inference made of them are dropped and never made again for this object.
    /// </summary>
    public void MarkTrainable()
    {
        InferencePacks.MarkTrainable();
        Volatile.Write(ref _int8, null);
    }

    private Int8LayerWeights[]? _int8;

    /// <summary>
    /// The int8 Linear weights when this is a quantized model (<see cref="Int8Weights"/>), else null. The forward
    /// pass then runs int8 Linear layers; training (<see cref="MarkTrainable"/>) drops them and trains the floats.
    /// </summary>
    public IReadOnlyList<Int8LayerWeights>? Int8 => Volatile.Read(ref _int8);

    internal void AttachInt8(Int8LayerWeights[] int8) => Volatile.Write(ref _int8, int8);

    /// <summary>
    /// Every parameter under its Hugging Face BertModel name (no "bert." prefix) with its shape, in a fixed
    /// order: the save format and the fingerprint both use this list. Q/K/V are split back out of the fused
    /// matrix as views-by-copy of its row blocks.
    /// </summary>
    public IEnumerable<(string Name, int[] Shape, float[] Data)> EnumerateNamed(BertConfig config)
    {
        int h = config.HiddenSize, inter = config.IntermediateSize;
        yield return ("embeddings.word_embeddings.weight", new[] { config.VocabSize, h }, WordEmbeddings);
        yield return ("embeddings.position_embeddings.weight", new[] { config.MaxPositionEmbeddings, h }, PositionEmbeddings);
        yield return ("embeddings.token_type_embeddings.weight", new[] { config.TypeVocabSize, h }, TokenTypeEmbeddings);
        yield return ("embeddings.LayerNorm.weight", new[] { h }, EmbeddingLayerNormWeight);
        yield return ("embeddings.LayerNorm.bias", new[] { h }, EmbeddingLayerNormBias);
        for (int i = 0; i < Layers.Count; i++)
        {
            var l = Layers[i];
            string p = $"encoder.layer.{i}.";
            string[] qkv = { "query", "key", "value" };
            for (int j = 0; j < 3; j++)
            {
                yield return ($"{p}attention.self.{qkv[j]}.weight", new[] { h, h }, l.QkvWeight.AsSpan(j * h * h, h * h).ToArray());
                yield return ($"{p}attention.self.{qkv[j]}.bias", new[] { h }, l.QkvBias.AsSpan(j * h, h).ToArray());
            }
            yield return ($"{p}attention.output.dense.weight", new[] { h, h }, l.AttentionOutputWeight);
            yield return ($"{p}attention.output.dense.bias", new[] { h }, l.AttentionOutputBias);
            yield return ($"{p}attention.output.LayerNorm.weight", new[] { h }, l.AttentionLayerNormWeight);
            yield return ($"{p}attention.output.LayerNorm.bias", new[] { h }, l.AttentionLayerNormBias);
            yield return ($"{p}intermediate.dense.weight", new[] { inter, h }, l.IntermediateWeight);
            yield return ($"{p}intermediate.dense.bias", new[] { inter }, l.IntermediateBias);
            yield return ($"{p}output.dense.weight", new[] { h, inter }, l.OutputWeight);
            yield return ($"{p}output.dense.bias", new[] { h }, l.OutputBias);
            yield return ($"{p}output.LayerNorm.weight", new[] { h }, l.OutputLayerNormWeight);
            yield return ($"{p}output.LayerNorm.bias", new[] { h }, l.OutputLayerNormBias);
        }
    }
}
