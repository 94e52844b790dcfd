using SemanticSearch.Index.Embedding;

namespace SemanticSearch.Index.Tests;

/// <summary>
/// A deterministic bag-of-words encoder for tests: each lower-cased word hashes to a token id and
/// each id to one dimension, so texts sharing words have high cosine and the expected ranking can be
/// reasoned about by hand. Counts how many sequences it embedded, to test "unchanged ⇒ not re-embedded".
/// </summary>
public sealed class HashingTestEncoder(int dimension = 256, int maxSeqLength = 64, string name = "hashing-test") : ITextEncoder
{
    public EncoderIdentity Identity { get; } = new($"{name}-d{dimension}-m{maxSeqLength}", dimension, maxSeqLength, Normalizes: false);
    public int ClsId => 1;
    public int SepId => 2;
    public int SequencesEncoded { get; private set; }

    public int[] TokenIds(string text) =>
        Words(text).Select(t => 10 + (int)(StableHash(t.ToLowerInvariant()) % 100_000)).ToArray();

    public float[][] EncodeIds(IReadOnlyList<int[]> sequences, int batchSize)
    {
        SequencesEncoded += sequences.Count;
        return sequences.Select(seq =>
        {
            if (seq[0] != ClsId || seq[^1] != SepId) throw new ArgumentException("sequence must be wrapped in [CLS] … [SEP]");
            if (seq.Length > Identity.MaxSeqLength) throw new ArgumentException($"sequence of {seq.Length} exceeds max_seq_length");
            var v = new float[Identity.Dimension];
            foreach (int id in seq[1..^1]) v[id % Identity.Dimension] += 1;
            return v;
        }).ToArray();
    }

    private static uint StableHash(string s)
    {
        uint h = 2166136261;
        foreach (char c in s) { h ^= c; h *= 16777619; }
        return h;
    }

    /// <summary>Runs of letters and digits (combining marks included), as the hashing vocabulary.</summary>
    private static IEnumerable<string> Words(string text) =>
        System.Text.RegularExpressions.Regex.Matches(text, @"[\p{L}\p{Nd}\p{Mn}\p{Mc}]+").Select(m => m.Value);
}
