using SemanticSearch.Model;

namespace SemanticSearch.Index.Embedding;

/// <summary>The production <see cref="ITextEncoder"/>: a sentence-transformers model loaded from disk.</summary>
public sealed class SentenceEncoderAdapter(SentenceEncoder encoder) : ITextEncoder
{
    public SentenceEncoder Encoder { get; } = encoder;

    public EncoderIdentity Identity { get; } = new(encoder.Fingerprint, encoder.Dimension, encoder.MaxSeqLength, encoder.Normalizes);
    public int ClsId => Encoder.Tokenizer.ClsId;
    public int SepId => Encoder.Tokenizer.SepId;

    public static SentenceEncoderAdapter Load(string modelDirectory)
    {
        if (!Directory.Exists(modelDirectory)) throw new DirectoryNotFoundException($"model directory '{modelDirectory}' does not exist");
        return new SentenceEncoderAdapter(SentenceEncoder.Load(modelDirectory));
    }

    public int[] TokenIds(string text)
    {
        var spans = Encoder.Tokenizer.Tokenize(text);
        var ids = new int[spans.Count];
        for (int i = 0; i < ids.Length; i++) ids[i] = spans[i].Id;
        return ids;
    }

    public int[] QueryTokenIds(string query) => TokenIds(Encoder.QueryText(query));

    public float[][] EncodeIds(IReadOnlyList<int[]> sequences, int batchSize) => Encoder.EncodeIds(sequences, batchSize);
}
