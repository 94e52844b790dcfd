namespace SemanticSearch.Training.Tests;

/// <summary>
/// A stand-in encoder for end-to-end tests of the training layer without BERT: e = W·x, where x counts the words of
/// the text hashed into <see cref="Buckets"/> buckets (FNV-1a, stable across runs) and W is [Dim, Buckets].
/// Linear, so its backward pass is one line: dW[o, b] += de[o] · x[b].
/// </summary>
internal sealed class HashedBagOfWordsEncoder
{
    public const int Buckets = 1024;

    public HashedBagOfWordsEncoder(int dim, int seed)
    {
        Dim = dim;
        Weights = new float[dim * Buckets];
        Gradients = new float[dim * Buckets];
        var random = new Random(seed);
        for (int k = 0; k < Weights.Length; k++) Weights[k] = (float)((random.NextDouble() * 2 - 1) * 0.1);
    }

    public int Dim { get; }
    public float[] Weights { get; }
    public float[] Gradients { get; }

    public static List<int> WordBuckets(string text)
    {
        var buckets = new List<int>();
        foreach (var word in text.ToLowerInvariant().Split(Separators, StringSplitOptions.RemoveEmptyEntries))
        {
            uint h = 2166136261;
            foreach (char ch in word) h = (h ^ ch) * 16777619;
            buckets.Add((int)(h % Buckets));
        }
        return buckets;
    }

    private static readonly char[] Separators = " \t\r\n.,;:!?'\"()-/".ToCharArray();

    /// <summary>[texts, Dim] row-major.</summary>
    public float[] Forward(IReadOnlyList<string> texts)
    {
        var e = new float[texts.Count * Dim];
        for (int r = 0; r < texts.Count; r++)
            foreach (int b in WordBuckets(texts[r]))
                for (int o = 0; o < Dim; o++) e[r * Dim + o] += Weights[o * Buckets + b];
        return e;
    }

    /// <summary>Accumulates dW from dLoss/dEmbeddings [texts, Dim].</summary>
    public void Backward(IReadOnlyList<string> texts, ReadOnlySpan<float> dEmbeddings)
    {
        for (int r = 0; r < texts.Count; r++)
            foreach (int b in WordBuckets(texts[r]))
                for (int o = 0; o < Dim; o++) Gradients[o * Buckets + b] += dEmbeddings[r * Dim + o];
    }

    public float[][] Embed(IReadOnlyList<string> texts)
    {
        var flat = Forward(texts);
        return Enumerable.Range(0, texts.Count).Select(r => flat.AsSpan(r * Dim, Dim).ToArray()).ToArray();
    }
}
