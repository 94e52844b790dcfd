namespace SemanticSearch.Tokenization;

/// <summary>
/// A tokenizer file (vocab.txt, tokenizer.json, tokenizer_config.json, special_tokens_map.json) is malformed.
/// The message always names the file and, where known, the line or JSON field at fault.
/// </summary>
public sealed class TokenizerFormatException : Exception
{
    public TokenizerFormatException(string filePath, string? location, string problem, Exception? inner = null)
        : base(Compose(filePath, location, problem), inner)
    {
        FilePath = filePath;
        Location = location;
    }

    /// <summary>The file that was being read.</summary>
    public string FilePath { get; }

    /// <summary>"line 12", "field 'model.vocab'", ... or null when the problem concerns the whole file.</summary>
    public string? Location { get; }

    private static string Compose(string filePath, string? location, string problem) =>
        location is null ? $"{filePath}: {problem}" : $"{filePath} ({location}): {problem}";
}
