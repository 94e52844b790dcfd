namespace SemanticSearch.Tokenization;

/// <summary>
/// Behaviour switches of a BERT tokenizer, named after their Hugging Face tokenizer_config.json counterparts.
/// Defaults are those of bert-base-uncased.
/// </summary>
public sealed record TokenizerOptions
{
    /// <summary>Lower-case the text (and, unless <see cref="StripAccents"/> says otherwise, strip accents).</summary>
    public bool DoLowerCase { get; init; } = true;

    /// <summary>Explicit accent stripping (NFD, then drop category Mn). Null means "same as <see cref="DoLowerCase"/>", as in Hugging Face.</summary>
    public bool? StripAccents { get; init; }

    /// <summary>Make every CJK ideograph a word of its own.</summary>
    public bool TokenizeChineseChars { get; init; } = true;

    /// <summary>Drop NUL, U+FFFD and control characters (tokenizer.json's clean_text). Always true for vocab.txt models.</summary>
    public bool CleanText { get; init; } = true;

    /// <summary>The model's maximum sequence length, when the model directory states one.</summary>
    public int? ModelMaxLength { get; init; }

    /// <summary>Words longer than this many code points become the unknown token.</summary>
    public int MaxInputCharsPerWord { get; init; } = 100;

    /// <summary>Marks a piece that continues a word.</summary>
    public string ContinuingSubwordPrefix { get; init; } = "##";

    public string UnkToken { get; init; } = "[UNK]";
    public string ClsToken { get; init; } = "[CLS]";
    public string SepToken { get; init; } = "[SEP]";
    public string PadToken { get; init; } = "[PAD]";
    public string MaskToken { get; init; } = "[MASK]";

    /// <summary>Whether accents are actually stripped once the Hugging Face default is resolved.</summary>
    public bool ShouldStripAccents => StripAccents ?? DoLowerCase;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting that cannot work.</summary>
    public void Validate()
    {
        if (ModelMaxLength is < 2)
            throw new ArgumentException($"ModelMaxLength must be at least 2 (room for [CLS] and [SEP]), got {ModelMaxLength}.", nameof(ModelMaxLength));
        if (MaxInputCharsPerWord < 1)
            throw new ArgumentException($"MaxInputCharsPerWord must be positive, got {MaxInputCharsPerWord}.", nameof(MaxInputCharsPerWord));
        if (ContinuingSubwordPrefix is null)
            throw new ArgumentException("ContinuingSubwordPrefix must not be null (use \"\" for no prefix).", nameof(ContinuingSubwordPrefix));
        RequireToken(UnkToken, nameof(UnkToken));
        RequireToken(ClsToken, nameof(ClsToken));
        RequireToken(SepToken, nameof(SepToken));
        RequireToken(PadToken, nameof(PadToken));
        RequireToken(MaskToken, nameof(MaskToken));
    }

    private static void RequireToken(string token, string name)
    {
        if (string.IsNullOrEmpty(token))
            throw new ArgumentException($"{name} must be a non-empty token string.", name);
    }
}
