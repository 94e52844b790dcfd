namespace SemanticSearch.Tensors;

/// <summary>
/// Checks for the packed variable-length layout: the tokens of S sequences are concatenated
/// (T in total, no padding); seqOffsets has S+1 entries and sequence s is tokens [seqOffsets[s], seqOffsets[s+1]).
/// </summary>
internal static class PackedSequences
{
    /// <summary>Returns T; throws if the offsets are not a non-decreasing cover of [0, T).</summary>
    public static int Validate(ReadOnlySpan<int> seqOffsets, string kernel)
    {
        if (seqOffsets.Length < 1)
            throw new ArgumentException($"{kernel}: seqOffsets needs S+1 entries (at least one).", nameof(seqOffsets));
        if (seqOffsets[0] != 0)
            throw new ArgumentException($"{kernel}: seqOffsets[0] must be 0, got {seqOffsets[0]}.", nameof(seqOffsets));
        for (int s = 1; s < seqOffsets.Length; s++)
            if (seqOffsets[s] < seqOffsets[s - 1])
                throw new ArgumentException(
                    $"{kernel}: seqOffsets must be non-decreasing, but seqOffsets[{s}]={seqOffsets[s]} < seqOffsets[{s - 1}]={seqOffsets[s - 1]}.",
                    nameof(seqOffsets));
        return seqOffsets[^1];
    }

    public static void RequireLength(int actual, long expected, string kernel, string name)
    {
        if (actual != expected)
            throw new ArgumentException($"{kernel}: {name} has {actual} elements, expected {expected}.", name);
    }
}
