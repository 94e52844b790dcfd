namespace SemanticSearch.Tokenization;

/// <summary>
/// BERT's WordPiece tokenizer, matching Google's tokenization.py / Hugging Face BertTokenizer: clean, split CJK,
/// lower-case and strip accents, split punctuation, then greedy longest-match WordPiece. Works on code points and
/// reports every piece's span in the original string. Thread-safe: one instance may serve concurrent callers.
/// Text that looks like a special token ("[SEP]") is tokenized as ordinary text, as in Google's reference, so user
/// input can never inject structure.
/// </summary>
public sealed class WordPieceTokenizer
{
    private readonly Vocabulary _vocabulary;
    private readonly BasicTokenizer _basicTokenizer;
    private readonly WordPieceMatcher _matcher;

    internal WordPieceTokenizer(Vocabulary vocabulary, TokenizerOptions options, string source)
    {
        options.Validate();
        _vocabulary = vocabulary;
        Options = options;
        UnkId = RequireId(options.UnkToken, "unknown", source);
        ClsId = RequireId(options.ClsToken, "classifier", source);
        SepId = RequireId(options.SepToken, "separator", source);
        PadId = RequireId(options.PadToken, "padding", source);
        MaskId = vocabulary.TryGetId(options.MaskToken, out int mask) ? mask : -1;
        _basicTokenizer = new BasicTokenizer(options);
        _matcher = new WordPieceMatcher(vocabulary, options.ContinuingSubwordPrefix, options.MaxInputCharsPerWord, UnkId);
    }

    /// <summary>
    /// Loads a Hugging Face model directory. When both tokenizer.json and vocab.txt exist, tokenizer.json is used
    /// (as Hugging Face's fast tokenizers do); then tokenizer_config.json and special_tokens_map.json override the
    /// keys they contain, in that order.
    /// </summary>
    public static WordPieceTokenizer Load(string modelDirectory) => TokenizerDirectory.Load(modelDirectory);

    /// <summary>A tokenizer from a bare vocab.txt; <paramref name="options"/> defaults to bert-base-uncased behaviour.</summary>
    public static WordPieceTokenizer FromVocabFile(string vocabPath, TokenizerOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(vocabPath);
        var tokens = VocabFileReader.Read(vocabPath);
        return new WordPieceTokenizer(new Vocabulary(tokens), options ?? new TokenizerOptions(), vocabPath);
    }

    public TokenizerOptions Options { get; }

    public int VocabSize => _vocabulary.Count;

    public int ClsId { get; }
    public int SepId { get; }
    public int PadId { get; }
    public int UnkId { get; }

    /// <summary>Id of the mask token, or -1 when the vocabulary has none (it is only needed for pre-training).</summary>
    public int MaskId { get; }

    internal IReadOnlyList<string> Tokens => _vocabulary.Tokens;

    public string IdToToken(int id)
    {
        if ((uint)id >= (uint)_vocabulary.Count)
            throw new ArgumentOutOfRangeException(nameof(id), id, $"Token id must be in 0..{_vocabulary.Count - 1}.");
        return _vocabulary[id];
    }

    public bool TryGetId(string token, out int id)
    {
        ArgumentNullException.ThrowIfNull(token);
        return _vocabulary.TryGetId(token, out id);
    }

    /// <summary>
    /// <c>[CLS] pieces [SEP]</c>, dropping trailing pieces so the result has at most <paramref name="maxLength"/> ids.
    /// </summary>
    public TokenizedText Encode(string text, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (maxLength < 2)
            throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, "maxLength must be at least 2 to hold [CLS] and [SEP].");

        var pieces = RunPieces(text, maxLength - 2, out bool truncated);
        int length = pieces.Count + 2;
        var ids = new int[length];
        var starts = new int[length];
        var ends = new int[length];
        ids[0] = ClsId;
        pieces.Ids.AsSpan(0, pieces.Count).CopyTo(ids.AsSpan(1));
        pieces.Starts.AsSpan(0, pieces.Count).CopyTo(starts.AsSpan(1));
        pieces.Ends.AsSpan(0, pieces.Count).CopyTo(ends.AsSpan(1));
        ids[length - 1] = SepId;
        TokenizationWorkspace.Current.ReleaseOversizedBuffers();
        return new TokenizedText(ids, starts, ends, truncated);
    }

    /// <summary>All word pieces of <paramref name="text"/>, without special tokens or truncation.</summary>
    public IReadOnlyList<TokenSpan> Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var pieces = RunPieces(text, int.MaxValue, out _);
        var result = new TokenSpan[pieces.Count];
        for (int i = 0; i < result.Length; i++)
            result[i] = new TokenSpan(pieces.Ids[i], pieces.Starts[i], pieces.Ends[i]);
        TokenizationWorkspace.Current.ReleaseOversizedBuffers();
        return result;
    }

    /// <summary>Writes vocab.txt, tokenizer.json, tokenizer_config.json and special_tokens_map.json, creating the directory if needed.</summary>
    public void Save(string directory) => TokenizerDirectory.Save(this, directory);

    /// <summary>Pieces into the thread's buffer, stopping once <paramref name="limit"/> is exceeded.</summary>
    private PieceBuffer RunPieces(string text, int limit, out bool truncated)
    {
        var workspace = TokenizationWorkspace.Current;
        var words = workspace.Words;
        var pieces = workspace.Pieces;
        _basicTokenizer.Split(text, words);
        pieces.Count = 0;
        truncated = false;
        var scratch = workspace.Scratch(_matcher.ScratchLength);
        for (int w = 0; w < words.WordCount; w++)
        {
            // Every word yields at least one piece, so a full buffer before a word means truncation.
            if (pieces.Count >= limit)
            {
                truncated = true;
                break;
            }
            _matcher.AppendPieces(words, words.WordStarts[w], words.WordEnds[w], pieces, scratch);
            if (pieces.Count > limit)
            {
                pieces.Count = limit;
                truncated = true;
                break;
            }
        }
        return pieces;
    }

    private int RequireId(string token, string role, string source)
    {
        if (_vocabulary.TryGetId(token, out int id)) return id;
        throw new TokenizerFormatException(source, null, $"the vocabulary has no {role} token \"{token}\".");
    }
}
