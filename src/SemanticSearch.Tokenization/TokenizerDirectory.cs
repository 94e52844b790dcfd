using System.Text.Json;

namespace SemanticSearch.Tokenization;

/// <summary>Loading and saving a tokenizer as a Hugging Face model directory.</summary>
internal static class TokenizerDirectory
{
    public static WordPieceTokenizer Load(string modelDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelDirectory);
        if (!Directory.Exists(modelDirectory))
            throw new DirectoryNotFoundException($"Tokenizer directory not found: {modelDirectory}");

        var options = new TokenizerOptions();
        string jsonPath = Path.Combine(modelDirectory, TokenizerJsonReader.FileName);
        string vocabPath = Path.Combine(modelDirectory, VocabFileReader.FileName);
        List<string> tokens;
        string source;
        if (File.Exists(jsonPath))
        {
            (tokens, options) = TokenizerJsonReader.Read(jsonPath, options);
            source = jsonPath;
        }
        else if (File.Exists(vocabPath))
        {
            tokens = VocabFileReader.Read(vocabPath);
            source = vocabPath;
        }
        else
        {
            throw new FileNotFoundException(
                $"{modelDirectory} has neither {TokenizerJsonReader.FileName} nor {VocabFileReader.FileName}; one of them is needed for the vocabulary.");
        }

        string configPath = Path.Combine(modelDirectory, TokenizerConfigReader.ConfigFileName);
        if (File.Exists(configPath)) options = TokenizerConfigReader.ApplyConfig(configPath, options);
        string specialPath = Path.Combine(modelDirectory, TokenizerConfigReader.SpecialTokensFileName);
        if (File.Exists(specialPath)) options = TokenizerConfigReader.ApplySpecialTokensMap(specialPath, options);

        return new WordPieceTokenizer(new Vocabulary(tokens), options, source);
    }

    public static void Save(WordPieceTokenizer tokenizer, string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory.CreateDirectory(directory);
        VocabFileReader.Write(Path.Combine(directory, VocabFileReader.FileName), tokenizer.Tokens);
        // tokenizer.json is written too: Load prefers it, so leaving an older one in place would shadow this save.
        WriteJson(Path.Combine(directory, TokenizerJsonReader.FileName), w => TokenizerJsonWriter.Write(w, tokenizer));
        WriteJson(Path.Combine(directory, TokenizerConfigReader.ConfigFileName), w => WriteConfig(w, tokenizer.Options));
        WriteJson(Path.Combine(directory, TokenizerConfigReader.SpecialTokensFileName), w =>
        {
            w.WriteStartObject();
            WriteSpecialTokens(w, tokenizer.Options);
            w.WriteEndObject();
        });
    }

    private static void WriteConfig(Utf8JsonWriter w, TokenizerOptions options)
    {
        w.WriteStartObject();
        w.WriteString("tokenizer_class", "BertTokenizer");
        w.WriteBoolean("do_lower_case", options.DoLowerCase);
        if (options.StripAccents is { } strip) w.WriteBoolean("strip_accents", strip);
        else w.WriteNull("strip_accents");
        w.WriteBoolean("tokenize_chinese_chars", options.TokenizeChineseChars);
        if (options.ModelMaxLength is { } max) w.WriteNumber("model_max_length", max);
        w.WriteString(TokenizerConfigReader.PrefixKey, options.ContinuingSubwordPrefix);
        w.WriteNumber(TokenizerConfigReader.MaxCharsKey, options.MaxInputCharsPerWord);
        WriteSpecialTokens(w, options);
        w.WriteEndObject();
    }

    private static void WriteSpecialTokens(Utf8JsonWriter w, TokenizerOptions options)
    {
        w.WriteString("unk_token", options.UnkToken);
        w.WriteString("sep_token", options.SepToken);
        w.WriteString("pad_token", options.PadToken);
        w.WriteString("cls_token", options.ClsToken);
        w.WriteString("mask_token", options.MaskToken);
    }

    private static void WriteJson(string path, Action<Utf8JsonWriter> write)
    {
        using var stream = File.Create(path);
        using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        write(writer);
    }
}
