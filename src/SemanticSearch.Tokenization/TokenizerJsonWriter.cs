using System.Text.Json;

namespace SemanticSearch.Tokenization;

/// <summary>
/// Writes a Hugging Face tokenizer.json equivalent to this tokenizer (BertNormalizer, BertPreTokenizer, WordPiece,
/// [CLS] $A [SEP] template), so a saved directory loads identically here and in Hugging Face's fast tokenizer.
/// </summary>
internal static class TokenizerJsonWriter
{
    public static void Write(Utf8JsonWriter w, WordPieceTokenizer tokenizer)
    {
        var options = tokenizer.Options;
        w.WriteStartObject();
        w.WriteString("version", "1.0");
        w.WriteNull("truncation");
        w.WriteNull("padding");
        WriteAddedTokens(w, tokenizer);

        w.WriteStartObject("normalizer");
        w.WriteString("type", "BertNormalizer");
        w.WriteBoolean("clean_text", options.CleanText);
        w.WriteBoolean("handle_chinese_chars", options.TokenizeChineseChars);
        if (options.StripAccents is { } strip) w.WriteBoolean("strip_accents", strip);
        else w.WriteNull("strip_accents");
        w.WriteBoolean("lowercase", options.DoLowerCase);
        w.WriteEndObject();

        w.WriteStartObject("pre_tokenizer");
        w.WriteString("type", "BertPreTokenizer");
        w.WriteEndObject();

        WritePostProcessor(w, tokenizer);

        w.WriteStartObject("decoder");
        w.WriteString("type", "WordPiece");
        w.WriteString("prefix", options.ContinuingSubwordPrefix);
        w.WriteBoolean("cleanup", true);
        w.WriteEndObject();

        w.WriteStartObject("model");
        w.WriteString("type", "WordPiece");
        w.WriteString("unk_token", options.UnkToken);
        w.WriteString("continuing_subword_prefix", options.ContinuingSubwordPrefix);
        w.WriteNumber("max_input_chars_per_word", options.MaxInputCharsPerWord);
        w.WriteStartObject("vocab");
        var tokens = tokenizer.Tokens;
        for (int id = 0; id < tokens.Count; id++)
        {
            // A token listed twice in vocab.txt keeps only its last id, as the lookup does.
            if (tokenizer.TryGetId(tokens[id], out int lookupId) && lookupId == id) w.WriteNumber(tokens[id], id);
        }
        w.WriteEndObject();
        w.WriteEndObject();

        w.WriteEndObject();
    }

    private static void WriteAddedTokens(Utf8JsonWriter w, WordPieceTokenizer tokenizer)
    {
        var specials = new SortedDictionary<int, string>
        {
            [tokenizer.PadId] = tokenizer.Options.PadToken,
            [tokenizer.UnkId] = tokenizer.Options.UnkToken,
            [tokenizer.ClsId] = tokenizer.Options.ClsToken,
            [tokenizer.SepId] = tokenizer.Options.SepToken,
        };
        if (tokenizer.MaskId >= 0) specials[tokenizer.MaskId] = tokenizer.Options.MaskToken;
        w.WriteStartArray("added_tokens");
        foreach (var (id, content) in specials)
        {
            w.WriteStartObject();
            w.WriteNumber("id", id);
            w.WriteString("content", content);
            w.WriteBoolean("single_word", false);
            w.WriteBoolean("lstrip", false);
            w.WriteBoolean("rstrip", false);
            w.WriteBoolean("normalized", false);
            w.WriteBoolean("special", true);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private static void WritePostProcessor(Utf8JsonWriter w, WordPieceTokenizer tokenizer)
    {
        string cls = tokenizer.Options.ClsToken, sep = tokenizer.Options.SepToken;
        w.WriteStartObject("post_processor");
        w.WriteString("type", "TemplateProcessing");
        w.WriteStartArray("single");
        WriteSpecial(w, cls, 0);
        WriteSequence(w, "A", 0);
        WriteSpecial(w, sep, 0);
        w.WriteEndArray();
        w.WriteStartArray("pair");
        WriteSpecial(w, cls, 0);
        WriteSequence(w, "A", 0);
        WriteSpecial(w, sep, 0);
        WriteSequence(w, "B", 1);
        WriteSpecial(w, sep, 1);
        w.WriteEndArray();
        w.WriteStartObject("special_tokens");
        foreach (var (token, id) in new[] { (cls, tokenizer.ClsId), (sep, tokenizer.SepId) })
        {
            w.WriteStartObject(token);
            w.WriteString("id", token);
            w.WriteStartArray("ids");
            w.WriteNumberValue(id);
            w.WriteEndArray();
            w.WriteStartArray("tokens");
            w.WriteStringValue(token);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteSpecial(Utf8JsonWriter w, string token, int typeId)
    {
        w.WriteStartObject();
        w.WriteStartObject("SpecialToken");
        w.WriteString("id", token);
        w.WriteNumber("type_id", typeId);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteSequence(Utf8JsonWriter w, string id, int typeId)
    {
        w.WriteStartObject();
        w.WriteStartObject("Sequence");
        w.WriteString("id", id);
        w.WriteNumber("type_id", typeId);
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
