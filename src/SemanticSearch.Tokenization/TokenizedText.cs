namespace SemanticSearch.Tokenization;

/// <summary>
/// Model input for one text: <c>[CLS] pieces [SEP]</c>. The three arrays are parallel; special tokens have offsets (0,0).
/// </summary>
public sealed class TokenizedText
{
    public TokenizedText(int[] ids, int[] starts, int[] ends, bool truncated)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(starts);
        ArgumentNullException.ThrowIfNull(ends);
        if (starts.Length != ids.Length || ends.Length != ids.Length)
            throw new ArgumentException($"ids ({ids.Length}), starts ({starts.Length}) and ends ({ends.Length}) must have the same length.");
        Ids = ids;
        Starts = starts;
        Ends = ends;
        Truncated = truncated;
    }

    public int[] Ids { get; }
    public int[] Starts { get; }
    public int[] Ends { get; }

    /// <summary>True when word pieces were dropped to fit the requested maximum length.</summary>
    public bool Truncated { get; }

    public int Length => Ids.Length;
}
