using SemanticSearch.Model.Forward;
using SemanticSearch.Tensors;

namespace SemanticSearch.Model.Modules;

/// <summary>
/// sentence-transformers' Normalize module: scales each sentence vector to unit L2 length, so dot product
/// equals cosine similarity. It has no parameters; its folder exists only because modules.json points to it.
/// </summary>
public sealed class NormalizeModule
{
    public void Save(string folder) => Directory.CreateDirectory(folder);

    internal Span<float> Forward(EncoderWorkspace ws, ReadOnlySpan<float> sentences, int rows, int dimension)
    {
        var output = EncoderWorkspace.Ensure(ref ws.Normalized, (long)rows * dimension);
        L2Normalize.Forward(output, sentences, rows, dimension);
        return output;
    }
}
