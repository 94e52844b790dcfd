using System.Text.Json;
using System.Text.Json.Nodes;

namespace SemanticSearch.Tokenization.Tests;

/// <summary>Load(directory): tokenizer.json, tokenizer_config.json, special_tokens_map.json, and Save round trips.</summary>
public class ModelDirectoryTests
{
    /// <summary>A tokenizer.json in the shape Hugging Face writes for bert-base-uncased, built from the shared vocab.</summary>
    internal static JsonObject BertTokenizerJson()
    {
        var vocab = new JsonObject();
        var lines = File.ReadAllLines(TestData.BertVocabPath);
        for (int id = 0; id < lines.Length; id++) vocab[lines[id]] = id;
        return new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = new JsonArray(),
            ["normalizer"] = new JsonObject
            {
                ["type"] = "BertNormalizer", ["clean_text"] = true, ["handle_chinese_chars"] = true,
                ["strip_accents"] = null, ["lowercase"] = true,
            },
            ["pre_tokenizer"] = new JsonObject { ["type"] = "BertPreTokenizer" },
            ["post_processor"] = new JsonObject
            {
                ["type"] = "TemplateProcessing",
                ["single"] = new JsonArray(
                    new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = "[CLS]", ["type_id"] = 0 } },
                    new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "A", ["type_id"] = 0 } },
                    new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = "[SEP]", ["type_id"] = 0 } }),
            },
            ["model"] = new JsonObject
            {
                ["type"] = "WordPiece", ["unk_token"] = "[UNK]", ["continuing_subword_prefix"] = "##",
                ["max_input_chars_per_word"] = 100, ["vocab"] = vocab,
            },
        };
    }

    internal static IEnumerable<string> BankingTexts(int count) =>
        File.ReadLines(Path.Combine(TestData.SharedData, "banking77", "train.csv")).Skip(1).Where(line => line.Contains(',')).Take(count)
            .Select(line => line[..line.LastIndexOf(',')].Trim('"'));

    [Fact]
    public void TokenizerJsonAndVocabTxtGiveIdenticalIdsAndOffsets()
    {
        using var dir = new TempDirectory();
        dir.Write("tokenizer.json", BertTokenizerJson().ToJsonString());
        var fromJson = WordPieceTokenizer.Load(dir.Path);
        var fromVocab = TestData.BertUncased;
        Assert.Equal(fromVocab.VocabSize, fromJson.VocabSize);
        Assert.Equal((fromVocab.ClsId, fromVocab.SepId, fromVocab.UnkId), (fromJson.ClsId, fromJson.SepId, fromJson.UnkId));
        var texts = BankingTexts(2000).Append("Héllo 中文 😀 unaffable İstanbul").ToList();
        Assert.Equal(2001, texts.Count);
        foreach (var text in texts)
        {
            var a = fromVocab.Encode(text, 128);
            var b = fromJson.Encode(text, 128);
            Assert.Equal(a.Ids, b.Ids);
            Assert.Equal(a.Starts, b.Starts);
            Assert.Equal(a.Ends, b.Ends);
        }
    }

    [Fact]
    public void TokenizerJsonIsPreferredOverVocabTxt()
    {
        using var dir = new TempDirectory();
        dir.Write("vocab.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\n");
        dir.Write("tokenizer.json", BertTokenizerJson().ToJsonString());
        Assert.Equal(30522, WordPieceTokenizer.Load(dir.Path).VocabSize);
    }

    [Fact]
    public void NormalizerSwitchesAreRead()
    {
        using var dir = new TempDirectory();
        var json = BertTokenizerJson();
        json["normalizer"]!["lowercase"] = false;
        json["normalizer"]!["handle_chinese_chars"] = false;
        json["model"]!["max_input_chars_per_word"] = 5;
        dir.Write("tokenizer.json", json.ToJsonString());
        var tokenizer = WordPieceTokenizer.Load(dir.Path);
        Assert.False(tokenizer.Options.DoLowerCase);
        Assert.False(tokenizer.Options.ShouldStripAccents);
        Assert.False(tokenizer.Options.TokenizeChineseChars);
        Assert.Equal(new[] { "[UNK]", "hello", "[UNK]" }, tokenizer.Pieces("Hello hello abcdef"));
        // Not split into two words: the second ideograph can only be a continuation piece (or part of [UNK]).
        Assert.DoesNotContain("文", tokenizer.Pieces("中文"));
        Assert.Equal(new[] { "中", "文" }, TestData.BertUncased.Pieces("中文"));
    }

    [Fact]
    public void ConfigOverridesNormalizerAndSetsMaxLength()
    {
        using var dir = new TempDirectory();
        dir.Write("tokenizer.json", BertTokenizerJson().ToJsonString());
        dir.Write("tokenizer_config.json", """{"do_lower_case": true, "strip_accents": false, "model_max_length": 256}""");
        var tokenizer = WordPieceTokenizer.Load(dir.Path);
        Assert.Equal(256, tokenizer.Options.ModelMaxLength);
        Assert.False(tokenizer.Options.ShouldStripAccents);
        Assert.Equal(new[] { "hello" }, tokenizer.Pieces("HELLO"));
        Assert.NotEqual(new[] { "hello" }, tokenizer.Pieces("Héllo")); // lower-cased, but the accent is kept
    }

    [Fact]
    public void HugeModelMaxLengthMeansUnbounded()
    {
        using var dir = new TempDirectory();
        File.Copy(TestData.BertVocabPath, dir.File("vocab.txt"));
        dir.Write("tokenizer_config.json", """{"model_max_length": 1000000000000000019884624838656}""");
        Assert.Null(WordPieceTokenizer.Load(dir.Path).Options.ModelMaxLength);
    }

    [Fact]
    public void SpecialTokensMapOverridesConfigAndAcceptsAddedTokenObjects()
    {
        using var dir = new TempDirectory();
        dir.Write("vocab.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\n<s>\n</s>\n<unk>\nhi\n");
        dir.Write("tokenizer_config.json", """{"cls_token": "[CLS]", "unk_token": {"content": "<unk>", "lstrip": false}}""");
        dir.Write("special_tokens_map.json", """{"cls_token": {"content": "<s>"}, "sep_token": "</s>"}""");
        var tokenizer = WordPieceTokenizer.Load(dir.Path);
        Assert.Equal((4, 5, 6), (tokenizer.ClsId, tokenizer.SepId, tokenizer.UnkId));
        Assert.Equal(new[] { 4, 7, 6, 5 }, tokenizer.Encode("hi ho", 10).Ids);
    }

    [Fact]
    public void LoadsTheReferenceModelDirectories()
    {
        var models = Path.Combine(TestData.RepoRoot, "tests", "fixtures", "reference", "models");
        var dirs = Directory.GetDirectories(models).Where(d => File.Exists(Path.Combine(d, "vocab.txt"))).ToList();
        Assert.NotEmpty(dirs);
        foreach (var dir in dirs)
        {
            var tokenizer = WordPieceTokenizer.Load(dir);
            Assert.Equal(TestData.BertUncased.Encode("Héllo, wörld!", 16).Ids, tokenizer.Encode("Héllo, wörld!", 16).Ids);
            Assert.NotNull(tokenizer.Options.ModelMaxLength);
        }
    }

    [Fact]
    public void SaveThenLoadGivesTheSameTokenizer()
    {
        using var dir = new TempDirectory();
        var original = WordPieceTokenizer.FromVocabFile(TestData.BertVocabPath,
            new TokenizerOptions { StripAccents = false, ModelMaxLength = 384, TokenizeChineseChars = false });
        original.Save(Path.Combine(dir.Path, "saved"));
        var saved = Path.Combine(dir.Path, "saved");
        foreach (var name in new[] { "vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json" })
            Assert.True(File.Exists(Path.Combine(saved, name)), name);
        Assert.Equal(File.ReadAllBytes(TestData.BertVocabPath), File.ReadAllBytes(Path.Combine(saved, "vocab.txt")));

        var loaded = WordPieceTokenizer.Load(saved);
        Assert.Equal(original.Options, loaded.Options);
        // Without tokenizer.json the config alone must reproduce the same options.
        File.Delete(Path.Combine(saved, "tokenizer.json"));
        var fromVocab = WordPieceTokenizer.Load(saved);
        Assert.Equal(original.Options, fromVocab.Options);
        foreach (var text in BankingTexts(300).Append("Héllo 中文 Straße"))
        {
            Assert.Equal(original.Encode(text, 64).Ids, loaded.Encode(text, 64).Ids);
            Assert.Equal(original.Encode(text, 64).Ids, fromVocab.Encode(text, 64).Ids);
        }
    }

    [Fact]
    public void MissingDirectoryAndMissingVocabularyAreReported()
    {
        using var dir = new TempDirectory();
        var missing = Path.Combine(dir.Path, "nope");
        Assert.Contains(missing, Assert.Throws<DirectoryNotFoundException>(() => WordPieceTokenizer.Load(missing)).Message);
        var error = Assert.Throws<FileNotFoundException>(() => WordPieceTokenizer.Load(dir.Path));
        Assert.Contains("vocab.txt", error.Message);
        Assert.Contains("tokenizer.json", error.Message);
    }
}
