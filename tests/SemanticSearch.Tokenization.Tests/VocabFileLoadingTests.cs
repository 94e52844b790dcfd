using System.Text;

namespace SemanticSearch.Tokenization.Tests;

/// <summary>vocab.txt parsing: line endings, BOM, trailing newline, bad bytes, missing special tokens.</summary>
public class VocabFileLoadingTests
{
    private static readonly string[] SmallVocab =
        { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un", "##aff", "##able", "hello", "world", "!", "café" };

    private static string Lines(string newline, bool trailing) =>
        string.Join(newline, SmallVocab) + (trailing ? newline : "");

    [Theory]
    [InlineData("\n", true)]
    [InlineData("\n", false)]
    [InlineData("\r\n", true)]
    [InlineData("\r\n", false)]
    public void LineEndingsAndTrailingNewlineDoNotChangeIds(string newline, bool trailing)
    {
        using var dir = new TempDirectory();
        var tokenizer = WordPieceTokenizer.FromVocabFile(dir.Write("vocab.txt", Lines(newline, trailing)));
        Assert.Equal(SmallVocab.Length, tokenizer.VocabSize);
        Assert.Equal((0, 1, 2, 3, 4), (tokenizer.PadId, tokenizer.UnkId, tokenizer.ClsId, tokenizer.SepId, tokenizer.MaskId));
        Assert.True(tokenizer.TryGetId("café", out int cafe));
        Assert.Equal(11, cafe);
        Assert.Equal(new[] { "un", "##aff", "##able" }, tokenizer.Pieces("unaffable"));
    }

    [Fact]
    public void ByteOrderMarkIsNotPartOfTheFirstToken()
    {
        using var dir = new TempDirectory();
        var path = dir.File("vocab.txt");
        File.WriteAllText(path, Lines("\n", true), new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
        Assert.Equal(0xEF, File.ReadAllBytes(path)[0]);
        var tokenizer = WordPieceTokenizer.FromVocabFile(path);
        Assert.Equal(0, tokenizer.PadId);
        Assert.Equal("[PAD]", tokenizer.IdToToken(0));
    }

    [Fact]
    public void EmptyLineInTheMiddleKeepsItsIdSoLaterIdsStayAligned()
    {
        using var dir = new TempDirectory();
        var tokenizer = WordPieceTokenizer.FromVocabFile(dir.Write("vocab.txt", "[PAD]\n[UNK]\n\n[CLS]\n[SEP]\n"));
        Assert.Equal(5, tokenizer.VocabSize);
        Assert.Equal(3, tokenizer.ClsId);
        Assert.Equal(-1, tokenizer.MaskId); // no [MASK]: allowed, reported as -1
    }

    [Fact]
    public void InvalidUtf8NamesTheFileAndLine()
    {
        using var dir = new TempDirectory();
        var path = dir.File("vocab.txt");
        var bytes = Encoding.UTF8.GetBytes("[PAD]\n[UNK]\nbad").Concat(new byte[] { 0xC3, 0x28 }).Concat(Encoding.UTF8.GetBytes("\n[CLS]\n")).ToArray();
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<TokenizerFormatException>(() => WordPieceTokenizer.FromVocabFile(path));
        Assert.Equal(path, error.FilePath);
        Assert.Equal("line 3", error.Location);
        Assert.Contains(path, error.Message);
        Assert.Contains("UTF-8", error.Message);
    }

    [Fact]
    public void EmptyFileIsRejected()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("vocab.txt", "");
        var error = Assert.Throws<TokenizerFormatException>(() => WordPieceTokenizer.FromVocabFile(path));
        Assert.Contains("empty", error.Message);
        Assert.Equal(path, error.FilePath);
    }

    [Theory]
    [InlineData("[UNK]")]
    [InlineData("[CLS]")]
    [InlineData("[SEP]")]
    [InlineData("[PAD]")]
    public void MissingRequiredSpecialTokenIsNamed(string missing)
    {
        using var dir = new TempDirectory();
        var path = dir.Write("vocab.txt", string.Join("\n", SmallVocab.Where(t => t != missing)));
        var error = Assert.Throws<TokenizerFormatException>(() => WordPieceTokenizer.FromVocabFile(path));
        Assert.Contains(missing, error.Message);
        Assert.Equal(path, error.FilePath);
    }

    [Fact]
    public void CustomSpecialTokensAreLookedUpByTheirStrings()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("vocab.txt", "<pad>\n<unk>\n<s>\n</s>\nhello\n");
        var options = new TokenizerOptions { PadToken = "<pad>", UnkToken = "<unk>", ClsToken = "<s>", SepToken = "</s>" };
        var tokenizer = WordPieceTokenizer.FromVocabFile(path, options);
        Assert.Equal(new[] { 2, 4, 1, 3 }, tokenizer.Encode("hello xyz", 10).Ids);
    }

    [Fact]
    public void MissingFileIsReportedWithItsPath()
    {
        var path = Path.Combine(Path.GetTempPath(), "no-such-dir-" + Guid.NewGuid().ToString("N"), "vocab.txt");
        var error = Assert.ThrowsAny<IOException>(() => WordPieceTokenizer.FromVocabFile(path));
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void InvalidOptionsAreRejectedByName()
    {
        var error = Assert.Throws<ArgumentException>(() =>
            WordPieceTokenizer.FromVocabFile(TestData.BertVocabPath, new TokenizerOptions { MaxInputCharsPerWord = 0 }));
        Assert.Equal("MaxInputCharsPerWord", error.ParamName);
    }

    [Fact]
    public void DuplicateTokenMapsToItsLastLineLikeHuggingFace()
    {
        using var dir = new TempDirectory();
        var tokenizer = WordPieceTokenizer.FromVocabFile(dir.Write("vocab.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\nhello\n"));
        Assert.Equal(6, tokenizer.VocabSize);
        Assert.Equal(new[] { 2, 5, 3 }, tokenizer.Encode("hello", 8).Ids);
    }
}
