using SemanticSearch.Model.Configuration;
using SemanticSearch.Model.Weights;
using SemanticSearch.Tensors;

namespace SemanticSearch.Model.Forward;

/// <summary>
/// BERT forward pass over packed variable-length sequences: all tokens of a batch are rows of one [T, H]
/// matrix and sequence s is rows [seqOffsets[s], seqOffsets[s+1]). Every linear layer is one GEMM over all
/// T rows; only attention looks at sequence boundaries. With no padding, a token's result depends only on
/// its own sequence, which is what makes embeddings identical whatever batch a text is encoded in.
/// </summary>
internal sealed class BertEncoder
{
    private readonly BertConfig _config;
    private readonly BertWeights _weights;
    private readonly float _eps;

    public BertEncoder(BertConfig config, BertWeights weights)
    {
        _config = config;
        _weights = weights;
        // PyTorch LayerNorm stores eps as a double but applies it in float32.
        _eps = (float)config.LayerNormEps;
    }

    public int Hidden => _config.HiddenSize;

    /// <summary>
    /// Runs the encoder; returns the last hidden state [T, H] as a view of <see cref="EncoderWorkspace.Hidden"/>
    /// (valid until the workspace is used again).
    /// </summary>
    public ReadOnlySpan<float> Forward(EncoderWorkspace ws, ReadOnlySpan<int> tokenIds, ReadOnlySpan<int> seqOffsets)
    {
        int t = tokenIds.Length, h = _config.HiddenSize, inter = _config.IntermediateSize, heads = _config.NumAttentionHeads;
        int sequences = seqOffsets.Length - 1;

        var positions = EncoderWorkspace.Ensure(ref ws.PositionIds, t);
        var types = EncoderWorkspace.Ensure(ref ws.TokenTypeIds, t);
        types.Clear();
        for (int s = 0; s < sequences; s++)
            for (int i = seqOffsets[s]; i < seqOffsets[s + 1]; i++) positions[i] = i - seqOffsets[s];

        var hidden = EncoderWorkspace.Ensure(ref ws.Hidden, (long)t * h);
        var scratch = EncoderWorkspace.Ensure(ref ws.Scratch, (long)t * h);
        var context = EncoderWorkspace.Ensure(ref ws.Context, (long)t * h);
        var qkv = EncoderWorkspace.Ensure(ref ws.Qkv, (long)t * 3 * h);
        var intermediate = EncoderWorkspace.Ensure(ref ws.Intermediate, (long)t * inter);

        Embeddings.Forward(scratch, tokenIds, positions, types, _weights.WordEmbeddings, _weights.PositionEmbeddings, _weights.TokenTypeEmbeddings, h);
        LayerNorm.Forward(hidden, Span<float>.Empty, Span<float>.Empty, scratch, _weights.EmbeddingLayerNormWeight, _weights.EmbeddingLayerNormBias, t, h, _eps);

        // Packed once for inference; null while a training graph owns the weights (they change every step).
        // A quantized model runs int8 Linear layers (the rest float) and needs no float packs.
        var int8 = _weights.Int8;
        var packs = int8 is null ? _weights.InferencePacks.Get(_config, _weights.Layers) : null;
        for (int li = 0; li < _weights.Layers.Count; li++)
        {
            var layer = _weights.Layers[li];
            var packed = packs?[li];
            // Self-attention block: one GEMM for q|k|v, attention per sequence, output projection, residual, LayerNorm.
            if (int8 is not null) QuantizedLinear.Forward(qkv, hidden, int8[li].Qkv, layer.QkvBias, t);
            else Linear.Forward(qkv, hidden, layer.QkvWeight, packed?.Qkv, layer.QkvBias, t, h, 3 * h);
            // Inference keeps no probabilities: each head's rows stay in a small per-thread scratch instead
            // of being written out to a Σ heads·L² buffer nobody reads.
            Attention.Forward(context, Span<float>.Empty, qkv, seqOffsets, heads, h);
            if (int8 is not null) QuantizedLinear.Forward(scratch, context, int8[li].AttentionOutput, layer.AttentionOutputBias, t);
            else Linear.Forward(scratch, context, layer.AttentionOutputWeight, packed?.AttentionOutput, layer.AttentionOutputBias, t, h, h);
            Residual.Forward(scratch, scratch, hidden);
            LayerNorm.Forward(hidden, Span<float>.Empty, Span<float>.Empty, scratch, layer.AttentionLayerNormWeight, layer.AttentionLayerNormBias, t, h, _eps);

            // Feed-forward block.
            if (int8 is not null) QuantizedLinear.Forward(intermediate, hidden, int8[li].Intermediate, layer.IntermediateBias, t);
            else Linear.Forward(intermediate, hidden, layer.IntermediateWeight, packed?.Intermediate, layer.IntermediateBias, t, h, inter);
            Activate(intermediate);
            if (int8 is not null) QuantizedLinear.Forward(scratch, intermediate, int8[li].Output, layer.OutputBias, t);
            else Linear.Forward(scratch, intermediate, layer.OutputWeight, packed?.Output, layer.OutputBias, t, inter, h);
            Residual.Forward(scratch, scratch, hidden);
            LayerNorm.Forward(hidden, Span<float>.Empty, Span<float>.Empty, scratch, layer.OutputLayerNormWeight, layer.OutputLayerNormBias, t, h, _eps);
        }
        return hidden;
    }

    private void Activate(Span<float> values)
    {
        switch (_config.HiddenAct)
        {
            case HiddenActivation.Gelu: Gelu.Forward(values, values); break;
            case HiddenActivation.GeluTanh: GeluTanh.Forward(values, values); break;
            case HiddenActivation.Relu: Relu.Forward(values, values); break;
            default: throw new InvalidOperationException($"unhandled activation {_config.HiddenAct}");
        }
    }
}
