using SemanticSearch.Model.Configuration;
using SemanticSearch.Model.Forward;
using SemanticSearch.Tensors;

namespace SemanticSearch.Model.Modules;

/// <summary>sentence-transformers' Pooling module: token vectors of each sequence → one sentence vector.</summary>
public sealed class PoolingModule
{
    public PoolingConfig Config { get; }

    public PoolingModule(PoolingConfig config) => Config = config;

    public int OutputDimension => Config.OutputDimension;

    public static PoolingModule Load(string folder) => new(PoolingConfig.Load(Path.Combine(folder, PoolingConfig.FileName)));

    public void Save(string folder)
    {
        Directory.CreateDirectory(folder);
        TransformerModule.WriteJson(Path.Combine(folder, PoolingConfig.FileName), Config.ToJson());
    }

    /// <summary>
    /// Pools <paramref name="tokens"/> [T, H] into [S, modes·H]. Several modes are concatenated per sentence,
    /// each block H wide, in the configured order. Returns a view of a workspace buffer.
    /// </summary>
    internal Span<float> Forward(EncoderWorkspace ws, ReadOnlySpan<float> tokens, ReadOnlySpan<int> seqOffsets, int hidden)
    {
        int sequences = seqOffsets.Length - 1;
        var modes = Config.Modes;
        var output = EncoderWorkspace.Ensure(ref ws.Sentences, (long)sequences * hidden * modes.Count);
        if (modes.Count == 1)
        {
            Pooling.Forward(modes[0], output, tokens, seqOffsets, hidden);
            return output;
        }
        var single = EncoderWorkspace.Ensure(ref ws.Pooled, (long)sequences * hidden);
        int width = hidden * modes.Count;
        for (int m = 0; m < modes.Count; m++)
        {
            Pooling.Forward(modes[m], single, tokens, seqOffsets, hidden);
            for (int s = 0; s < sequences; s++)
                single.Slice(s * hidden, hidden).CopyTo(output.Slice(s * width + m * hidden, hidden));
        }
        return output;
    }
}
