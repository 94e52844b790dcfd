namespace SemanticSearch.Tokenization;

/// <summary>
/// Token strings by id and ids by token. Lookups take a span so WordPiece can probe substrings without allocating.
/// </summary>
internal sealed class Vocabulary
{
    private readonly string[] _tokens;
    private readonly Dictionary<string, int> _ids;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _spanLookup;

    /// <param name="tokensById">Token of each id, id = index. A token listed twice maps to its last id, as in Hugging Face's load_vocab.</param>
    public Vocabulary(IReadOnlyList<string> tokensById)
    {
        _tokens = new string[tokensById.Count];
        _ids = new Dictionary<string, int>(tokensById.Count, StringComparer.Ordinal);
        for (int id = 0; id < tokensById.Count; id++)
        {
            var token = tokensById[id] ?? throw new ArgumentException($"Token {id} is null.", nameof(tokensById));
            _tokens[id] = token;
            _ids[token] = id;
            MaxTokenLength = Math.Max(MaxTokenLength, token.Length);
        }
        _spanLookup = _ids.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int Count => _tokens.Length;

    /// <summary>Longest token in UTF-16 units; no longer substring can match, so WordPiece never probes one.</summary>
    public int MaxTokenLength { get; }

    public IReadOnlyList<string> Tokens => _tokens;

    public string this[int id] => _tokens[id];

    public bool TryGetId(ReadOnlySpan<char> token, out int id) => _spanLookup.TryGetValue(token, out id);

    public bool TryGetId(string token, out int id) => _ids.TryGetValue(token, out id);
}
