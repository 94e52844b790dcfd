using System.Text.Json;

namespace SemanticSearch.Tokenization;

/// <summary>
/// Reads a Hugging Face "fast" tokenizer.json whose model is WordPiece: vocabulary, unknown token, subword prefix,
/// word limit, BertNormalizer switches and the [CLS]/[SEP] of the post-processor. Anything that would make this
/// tokenizer behave differently from the file (another model, normalizer or pre-tokenizer) is rejected, not ignored.
/// </summary>
internal static class TokenizerJsonReader
{
    public const string FileName = "tokenizer.json";

    public static (List<string> Tokens, TokenizerOptions Options) Read(string path, TokenizerOptions options)
    {
        using var file = JsonSettingsFile.Open(path);
        var root = file.Root;
        if (JsonSettingsFile.Find(root, "model") is not { ValueKind: JsonValueKind.Object } model)
            throw file.Error("model", "missing or not an object; expected the WordPiece model.");
        var type = file.GetString(model, "type", "model.type");
        if (type != "WordPiece")
            throw file.Error("model.type", $"expected \"WordPiece\", found {(type is null ? "nothing" : $"\"{type}\"")}; only BERT WordPiece tokenizers are supported.");

        var tokens = ReadVocab(file, model);
        options = options with
        {
            UnkToken = file.GetString(model, "unk_token", "model.unk_token") ?? options.UnkToken,
            ContinuingSubwordPrefix = file.GetString(model, "continuing_subword_prefix", "model.continuing_subword_prefix") ?? options.ContinuingSubwordPrefix,
            MaxInputCharsPerWord = file.GetInt(model, "max_input_chars_per_word", "model.max_input_chars_per_word") ?? options.MaxInputCharsPerWord,
        };
        if (options.MaxInputCharsPerWord < 1)
            throw file.Error("model.max_input_chars_per_word", $"must be positive, got {options.MaxInputCharsPerWord}.");
        options = ReadNormalizer(file, root, options);
        CheckPreTokenizer(file, root);
        return (tokens, ReadPostProcessor(file, root, options));
    }

    private static List<string> ReadVocab(JsonSettingsFile file, JsonElement model)
    {
        if (JsonSettingsFile.Find(model, "vocab") is not { ValueKind: JsonValueKind.Object } vocab)
            throw file.Error("model.vocab", "missing or not an object mapping token to id.");
        var entries = new List<(string Token, int Id)>();
        foreach (var property in vocab.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.Number || !property.Value.TryGetInt32(out int id) || id < 0)
                throw file.Error($"model.vocab[\"{property.Name}\"]", $"expected a non-negative integer id, found {property.Value.GetRawText()}.");
            entries.Add((property.Name, id));
        }
        if (entries.Count == 0) throw file.Error("model.vocab", "the vocabulary is empty.");

        // Ids must be exactly 0..n-1: they index the model's embedding rows, so a gap or clash is a broken file.
        var tokens = new string?[entries.Count];
        foreach (var (token, id) in entries)
        {
            if (id >= tokens.Length)
                throw file.Error($"model.vocab[\"{token}\"]", $"id {id} is outside 0..{tokens.Length - 1}; ids must be dense.");
            if (tokens[id] is { } other)
                throw file.Error($"model.vocab[\"{token}\"]", $"id {id} is also used by \"{other}\".");
            tokens[id] = token;
        }
        return tokens.Select(t => t!).ToList();
    }

    private static TokenizerOptions ReadNormalizer(JsonSettingsFile file, JsonElement root, TokenizerOptions options)
    {
        if (JsonSettingsFile.Find(root, "normalizer") is not { } normalizer)
        {
            // No normalizer: the text reaches the pre-tokenizer untouched.
            return options with { DoLowerCase = false, StripAccents = false, TokenizeChineseChars = false, CleanText = false };
        }
        var type = file.GetString(normalizer, "type", "normalizer.type");
        if (type != "BertNormalizer")
            throw file.Error("normalizer.type", $"expected \"BertNormalizer\" or null, found \"{type}\"; other normalizers are not supported.");
        return options with
        {
            CleanText = file.GetBool(normalizer, "clean_text", "normalizer.clean_text") ?? true,
            TokenizeChineseChars = file.GetBool(normalizer, "handle_chinese_chars", "normalizer.handle_chinese_chars") ?? true,
            StripAccents = file.GetBool(normalizer, "strip_accents", "normalizer.strip_accents"),
            DoLowerCase = file.GetBool(normalizer, "lowercase", "normalizer.lowercase") ?? true,
        };
    }

    private static void CheckPreTokenizer(JsonSettingsFile file, JsonElement root)
    {
        if (JsonSettingsFile.Find(root, "pre_tokenizer") is not { } preTokenizer) return;
        var type = file.GetString(preTokenizer, "type", "pre_tokenizer.type");
        if (type != "BertPreTokenizer")
            throw file.Error("pre_tokenizer.type", $"expected \"BertPreTokenizer\", found \"{type}\"; other pre-tokenizers are not supported.");
    }

    /// <summary>[CLS]/[SEP] from BertProcessing ("cls": ["[CLS]", 101]) or TemplateProcessing's single template.</summary>
    private static TokenizerOptions ReadPostProcessor(JsonSettingsFile file, JsonElement root, TokenizerOptions options)
    {
        if (JsonSettingsFile.Find(root, "post_processor") is not { } processor) return options;
        switch (file.GetString(processor, "type", "post_processor.type"))
        {
            case "BertProcessing":
                return options with
                {
                    ClsToken = FirstOfPair(file, processor, "cls") ?? options.ClsToken,
                    SepToken = FirstOfPair(file, processor, "sep") ?? options.SepToken,
                };
            case "TemplateProcessing":
                if (JsonSettingsFile.Find(processor, "single") is not { ValueKind: JsonValueKind.Array } single || single.GetArrayLength() < 2)
                    return options;
                var first = SpecialTokenOfPiece(file, single[0], "post_processor.single[0]");
                var last = SpecialTokenOfPiece(file, single[single.GetArrayLength() - 1], "post_processor.single[-1]");
                return options with { ClsToken = first ?? options.ClsToken, SepToken = last ?? options.SepToken };
            default:
                return options;
        }
    }

    private static string? FirstOfPair(JsonSettingsFile file, JsonElement processor, string name)
    {
        if (JsonSettingsFile.Find(processor, name) is not { } pair) return null;
        if (pair.ValueKind != JsonValueKind.Array || pair.GetArrayLength() == 0 || pair[0].ValueKind != JsonValueKind.String)
            throw file.Error($"post_processor.{name}", $"expected [\"token\", id], found {pair.GetRawText()}.");
        return pair[0].GetString();
    }

    private static string? SpecialTokenOfPiece(JsonSettingsFile file, JsonElement piece, string fieldPath)
    {
        if (JsonSettingsFile.Find(piece, "SpecialToken") is not { } special) return null;
        return file.GetString(special, "id", fieldPath + ".SpecialToken.id");
    }
}
