namespace SemanticSearch.Index.Embedding;

/// <summary>
/// What the index needs from a sentence encoder: word-piece ids (so the index can cut long documents
/// into windows itself) and embeddings of id sequences. The production implementation wraps
/// SemanticSearch.Model.SentenceEncoder; tests can supply a small deterministic one.
/// </summary>
public interface ITextEncoder
{
    EncoderIdentity Identity { get; }
    int ClsId { get; }
    int SepId { get; }
    /// <summary>Word-piece ids of <paramref name="text"/> without [CLS]/[SEP] and without truncation.</summary>
    int[] TokenIds(string text);
    /// <summary>Word-piece ids of a search query: as <see cref="TokenIds"/>, with the model's query prefix, if it has one, before it.</summary>
    int[] QueryTokenIds(string query) => TokenIds(query);
    /// <summary>One embedding per sequence; each sequence already includes [CLS]/[SEP] and fits MaxSeqLength.</summary>
    float[][] EncodeIds(IReadOnlyList<int[]> sequences, int batchSize);
}

/// <summary>
/// What an index records about the model that made its vectors. Two encoders with the same
/// fingerprint produce the same vectors; anything else must be refused at query time.
/// </summary>
public sealed record EncoderIdentity(string Fingerprint, int Dimension, int MaxSeqLength, bool Normalizes)
{
    public string Describe() => $"fingerprint {Fingerprint}, dimension {Dimension}, max_seq_length {MaxSeqLength}, normalizes {Normalizes}";
}
