namespace SemanticSearch.Index.Embedding;

/// <summary>
/// Cuts a document's word pieces into overlapping windows that fit the model once [CLS]/[SEP] are
/// added. Stride is half a window so every span of up to half a window appears whole in some window;
/// the last window is aligned to the end so the tail is never embedded with only a few tokens.
/// </summary>
public static class TokenWindowSplitter
{
    public readonly record struct Window(int Start, int[] Sequence);

    public static IReadOnlyList<Window> Split(int[] pieces, int maxSeqLength, int clsId, int sepId)
    {
        int size = maxSeqLength - 2;
        if (size < 1) throw new ArgumentOutOfRangeException(nameof(maxSeqLength), $"max_seq_length {maxSeqLength} leaves no room for tokens");
        var windows = new List<Window>();
        if (pieces.Length <= size)
        {
            windows.Add(new Window(0, Wrap(pieces, 0, pieces.Length, clsId, sepId)));
            return windows;
        }
        int stride = Math.Max(1, size / 2);
        for (int start = 0; ; start += stride)
        {
            if (start + size >= pieces.Length)
            {
                int last = pieces.Length - size;
                windows.Add(new Window(last, Wrap(pieces, last, size, clsId, sepId)));
                break;
            }
            windows.Add(new Window(start, Wrap(pieces, start, size, clsId, sepId)));
        }
        return windows;
    }

    /// <summary>A query is one sequence: truncated to fit, as sentence-transformers does.</summary>
    public static int[] QuerySequence(int[] pieces, int maxSeqLength, int clsId, int sepId) =>
        Wrap(pieces, 0, Math.Min(pieces.Length, maxSeqLength - 2), clsId, sepId);

    private static int[] Wrap(int[] pieces, int start, int count, int clsId, int sepId)
    {
        var seq = new int[count + 2];
        seq[0] = clsId;
        Array.Copy(pieces, start, seq, 1, count);
        seq[^1] = sepId;
        return seq;
    }
}
