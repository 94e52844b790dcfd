using System.Text.Json;

namespace SemanticSearch.Tokenization;

/// <summary>
/// Applies Hugging Face's tokenizer_config.json and special_tokens_map.json on top of options gathered so far.
/// Only keys that are present override; absent keys keep the earlier value.
/// </summary>
internal static class TokenizerConfigReader
{
    public const string ConfigFileName = "tokenizer_config.json";
    public const string SpecialTokensFileName = "special_tokens_map.json";

    // Extension keys written by Save so a non-default prefix or word limit survives a round trip through vocab.txt.
    public const string PrefixKey = "continuing_subword_prefix";
    public const string MaxCharsKey = "max_input_chars_per_word";

    public static TokenizerOptions ApplyConfig(string path, TokenizerOptions options)
    {
        using var file = JsonSettingsFile.Open(path);
        var root = file.Root;
        options = options with
        {
            DoLowerCase = file.GetBool(root, "do_lower_case", "do_lower_case") ?? options.DoLowerCase,
            TokenizeChineseChars = file.GetBool(root, "tokenize_chinese_chars", "tokenize_chinese_chars") ?? options.TokenizeChineseChars,
            ContinuingSubwordPrefix = file.GetString(root, PrefixKey, PrefixKey) ?? options.ContinuingSubwordPrefix,
            MaxInputCharsPerWord = file.GetInt(root, MaxCharsKey, MaxCharsKey) ?? options.MaxInputCharsPerWord,
        };
        // strip_accents: null is meaningful ("follow do_lower_case"), so only an explicit true/false overrides.
        if (file.GetBool(root, "strip_accents", "strip_accents") is { } strip)
            options = options with { StripAccents = strip };
        if (root.TryGetProperty("model_max_length", out var maxLength) && maxLength.ValueKind != JsonValueKind.Null)
            options = options with { ModelMaxLength = ReadModelMaxLength(file, maxLength) };
        if (options.MaxInputCharsPerWord < 1)
            throw file.Error(MaxCharsKey, $"must be positive, got {options.MaxInputCharsPerWord}.");
        RejectUnsupportedBehaviour(file);
        return ApplySpecialTokens(file, options);
    }

    public static TokenizerOptions ApplySpecialTokensMap(string path, TokenizerOptions options)
    {
        using var file = JsonSettingsFile.Open(path);
        return ApplySpecialTokens(file, options);
    }

    private static TokenizerOptions ApplySpecialTokens(JsonSettingsFile file, TokenizerOptions options)
    {
        var root = file.Root;
        return options with
        {
            UnkToken = file.GetTokenString(root, "unk_token", "unk_token") ?? options.UnkToken,
            ClsToken = file.GetTokenString(root, "cls_token", "cls_token") ?? options.ClsToken,
            SepToken = file.GetTokenString(root, "sep_token", "sep_token") ?? options.SepToken,
            PadToken = file.GetTokenString(root, "pad_token", "pad_token") ?? options.PadToken,
            MaskToken = file.GetTokenString(root, "mask_token", "mask_token") ?? options.MaskToken,
        };
    }

    /// <summary>
    /// Settings that would make Hugging Face tokenize differently from this tokenizer are refused rather than ignored,
    /// so a model never silently gets ids it was not trained on.
    /// </summary>
    private static void RejectUnsupportedBehaviour(JsonSettingsFile file)
    {
        if (file.GetBool(file.Root, "do_basic_tokenize", "do_basic_tokenize") == false)
            throw file.Error("do_basic_tokenize", "false is not supported: this tokenizer always runs BERT's basic tokenization.");
        if (JsonSettingsFile.Find(file.Root, "never_split") is { } neverSplit
            && (neverSplit.ValueKind != JsonValueKind.Array || neverSplit.GetArrayLength() > 0))
            throw file.Error("never_split", $"only null or [] is supported, found {neverSplit.GetRawText()}.");
    }

    /// <summary>
    /// Hugging Face writes int(1e30) when a model has no length limit; anything beyond int range means "unbounded".
    /// </summary>
    private static int? ReadModelMaxLength(JsonSettingsFile file, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Number)
            throw file.Error("model_max_length", $"expected a number, found {value.ValueKind} {value.GetRawText()}.");
        if (value.TryGetInt32(out int length))
        {
            if (length < 2)
                throw file.Error("model_max_length", $"must be at least 2 (room for [CLS] and [SEP]), got {length}.");
            return length;
        }
        if (value.TryGetDouble(out double big) && big > int.MaxValue) return null;
        throw file.Error("model_max_length", $"expected a whole number of tokens, found {value.GetRawText()}.");
    }
}
