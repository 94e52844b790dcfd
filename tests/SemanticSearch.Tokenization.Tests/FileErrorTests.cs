using System.Text.Json.Nodes;

namespace SemanticSearch.Tokenization.Tests;

/// <summary>Malformed model files fail with a <see cref="TokenizerFormatException"/> naming the file and the field or line.</summary>
public class FileErrorTests
{
    private static TokenizerFormatException LoadFails(TempDirectory dir) =>
        Assert.Throws<TokenizerFormatException>(() => WordPieceTokenizer.Load(dir.Path));

    private static TokenizerFormatException TokenizerJsonFails(Action<JsonObject> breakIt)
    {
        using var dir = new TempDirectory();
        var json = ModelDirectoryTests.BertTokenizerJson();
        breakIt(json);
        var path = dir.Write("tokenizer.json", json.ToJsonString());
        var error = LoadFails(dir);
        Assert.Equal(path, error.FilePath);
        Assert.Contains(path, error.Message);
        return error;
    }

    [Fact]
    public void JsonSyntaxErrorNamesTheLine()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("tokenizer.json", "{\n  \"model\": {\n    \"type\": \"WordPiece\",\n    \"vocab\": {\"a\": 0,,}\n  }\n}");
        var error = LoadFails(dir);
        Assert.Equal(path, error.FilePath);
        Assert.Equal("line 4", error.Location);
    }

    [Fact]
    public void NonWordPieceModelIsRejected()
    {
        var error = TokenizerJsonFails(j => j["model"]!["type"] = "BPE");
        Assert.Equal("field 'model.type'", error.Location);
        Assert.Contains("BPE", error.Message);
    }

    [Fact]
    public void MissingModelIsRejected()
    {
        var error = TokenizerJsonFails(j => j.Remove("model"));
        Assert.Equal("field 'model'", error.Location);
    }

    [Fact]
    public void GapInVocabularyIdsIsRejected()
    {
        var error = TokenizerJsonFails(j => j["model"]!["vocab"]!["hello"] = 40000);
        Assert.Equal("field 'model.vocab[\"hello\"]'", error.Location);
        Assert.Contains("40000", error.Message);
    }

    [Fact]
    public void DuplicateVocabularyIdIsRejected()
    {
        var error = TokenizerJsonFails(j => j["model"]!["vocab"]!["hello"] = 101);
        Assert.Contains("also used by", error.Message);
    }

    [Fact]
    public void NonNumericIdIsRejected()
    {
        var error = TokenizerJsonFails(j => j["model"]!["vocab"]!["hello"] = "7592");
        Assert.Equal("field 'model.vocab[\"hello\"]'", error.Location);
    }

    [Fact]
    public void UnsupportedNormalizerIsRejected()
    {
        var error = TokenizerJsonFails(j => j["normalizer"] = new JsonObject { ["type"] = "NFKC" });
        Assert.Equal("field 'normalizer.type'", error.Location);
    }

    [Fact]
    public void UnsupportedPreTokenizerIsRejected()
    {
        var error = TokenizerJsonFails(j => j["pre_tokenizer"] = new JsonObject { ["type"] = "Metaspace" });
        Assert.Equal("field 'pre_tokenizer.type'", error.Location);
    }

    [Fact]
    public void WrongTypeInNormalizerIsRejected()
    {
        var error = TokenizerJsonFails(j => j["normalizer"]!["lowercase"] = "yes");
        Assert.Equal("field 'normalizer.lowercase'", error.Location);
    }

    [Fact]
    public void UnknownTokenMissingFromVocabularyIsRejected()
    {
        var error = TokenizerJsonFails(j => j["model"]!["unk_token"] = "<unk>");
        Assert.Contains("<unk>", error.Message);
    }

    [Theory]
    [InlineData("""{"do_lower_case": "true"}""", "field 'do_lower_case'")]
    [InlineData("""{"model_max_length": "512"}""", "field 'model_max_length'")]
    [InlineData("""{"model_max_length": 1}""", "field 'model_max_length'")]
    [InlineData("""{"cls_token": 5}""", "field 'cls_token'")]
    [InlineData("""{"sep_token": {"lstrip": true}}""", "field 'sep_token.content'")]
    [InlineData("""["not", "an", "object"]""", null)]
    [InlineData("""{"do_basic_tokenize": false}""", "field 'do_basic_tokenize'")]
    [InlineData("""{"never_split": ["[CUSTOM]"]}""", "field 'never_split'")]
    public void MalformedConfigNamesTheField(string config, string? location)
    {
        using var dir = new TempDirectory();
        File.Copy(TestData.BertVocabPath, dir.File("vocab.txt"));
        var path = dir.Write("tokenizer_config.json", config);
        var error = LoadFails(dir);
        Assert.Equal(path, error.FilePath);
        Assert.Equal(location, error.Location);
    }

    [Fact]
    public void ConfigNamingATokenAbsentFromTheVocabularyIsRejected()
    {
        using var dir = new TempDirectory();
        File.Copy(TestData.BertVocabPath, dir.File("vocab.txt"));
        dir.Write("special_tokens_map.json", """{"sep_token": "</s>"}""");
        var error = LoadFails(dir);
        Assert.Contains("</s>", error.Message);
        Assert.Contains("vocab.txt", error.FilePath);
    }

    [Fact]
    public void MalformedSpecialTokensMapNamesTheFile()
    {
        using var dir = new TempDirectory();
        File.Copy(TestData.BertVocabPath, dir.File("vocab.txt"));
        var path = dir.Write("special_tokens_map.json", "{\"unk_token\": ");
        Assert.Equal(path, LoadFails(dir).FilePath);
    }
}
