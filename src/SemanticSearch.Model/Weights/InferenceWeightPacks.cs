using SemanticSearch.Model.Configuration;
using SemanticSearch.Tensors;

namespace SemanticSearch.Model.Weights;

/// <summary>The four Linear weights of one encoder layer, packed once for the managed GEMM.</summary>
internal sealed record LayerWeightPacks(
    PackedLinearWeight? Qkv, PackedLinearWeight? AttentionOutput, PackedLinearWeight? Intermediate, PackedLinearWeight? Output);

/// <summary>
/// Packed copies of a <see cref="BertWeights"/>' Linear weights for inference, made on first use. Packing per
/// call was ~4% of encode CPU; the copies cost as much memory as the layer weights (42 MB for MiniLM-L6).
/// A snapshot is only valid while the weights do not change, so once a training graph takes the weights
/// (<see cref="BertWeights.MarkTrainable"/>) the packs are dropped for good and the encoder packs per call.
/// </summary>
internal sealed class InferenceWeightPacks
{
    private readonly object _gate = new();
    private LayerWeightPacks[]? _layers;
    private bool _trainable;

    public void MarkTrainable()
    {
        lock (_gate) { _trainable = true; _layers = null; }
    }

    /// <summary>The packs, made now if needed, or null when the weights are trainable.</summary>
    public LayerWeightPacks[]? Get(BertConfig config, IReadOnlyList<BertLayerWeights> layers)
    {
        var ready = Volatile.Read(ref _layers);
        if (ready is not null) return ready;
        lock (_gate)
        {
            if (_trainable) return null;
            if (_layers is not null) return _layers;
            int h = config.HiddenSize, inter = config.IntermediateSize;
            var packs = new LayerWeightPacks[layers.Count];
            for (int i = 0; i < packs.Length; i++)
            {
                var l = layers[i];
                packs[i] = new LayerWeightPacks(
                    PackedLinearWeight.TryPack(l.QkvWeight, 3 * h, h),
                    PackedLinearWeight.TryPack(l.AttentionOutputWeight, h, h),
                    PackedLinearWeight.TryPack(l.IntermediateWeight, inter, h),
                    PackedLinearWeight.TryPack(l.OutputWeight, h, inter));
            }
            Volatile.Write(ref _layers, packs);
            return packs;
        }
    }
}
