namespace SemanticSearch.Tokenization;

/// <summary>
/// Per-thread scratch buffers. A tokenizer is shared across request threads, so its buffers cannot live on the
/// instance; one set per thread keeps Encode/Tokenize allocation-free apart from their results.
/// </summary>
internal sealed class TokenizationWorkspace
{
    [ThreadStatic] private static TokenizationWorkspace? t_current;

    public static TokenizationWorkspace Current => t_current ??= new TokenizationWorkspace();

    public readonly NormalizedWords Words = new();
    public readonly PieceBuffer Pieces = new();
    private char[] _scratch = new char[64];

    public Span<char> Scratch(int length)
    {
        if (_scratch.Length < length) _scratch = new char[Math.Max(length, _scratch.Length * 2)];
        return _scratch;
    }
}
