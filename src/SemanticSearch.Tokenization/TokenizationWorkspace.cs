namespace SemanticSearch.Tokenization;

/// <summary>
/// Per-thread scratch buffers. A tokenizer is shared across request threads, so its buffers cannot live on the
/// instance; one set per thread keeps Encode/Tokenize allocation-free apart from their results.
/// </summary>
internal sealed class TokenizationWorkspace
{
    /// <summary>
    /// Buffers grown beyond this many UTF-16 units (about a 1 MB document) are dropped after the call, so one huge
    /// document does not pin tens of megabytes on every thread that ever saw it.
    /// </summary>
    private const int RetainedUnitsLimit = 1 << 20;

    [ThreadStatic] private static TokenizationWorkspace? t_current;

    public static TokenizationWorkspace Current => t_current ??= new TokenizationWorkspace();

    public NormalizedWords Words { get; private set; } = new();
    public PieceBuffer Pieces { get; private set; } = new();
    private char[] _scratch = new char[64];

    public Span<char> Scratch(int length)
    {
        if (_scratch.Length < length) _scratch = new char[Math.Max(length, _scratch.Length * 2)];
        return _scratch;
    }

    /// <summary>Call once the results have been copied out of <see cref="Pieces"/>.</summary>
    public void ReleaseOversizedBuffers()
    {
        if (Words.Chars.Length > RetainedUnitsLimit || Words.WordStarts.Length > RetainedUnitsLimit) Words = new NormalizedWords();
        if (Pieces.Ids.Length > RetainedUnitsLimit) Pieces = new PieceBuffer();
    }
}
