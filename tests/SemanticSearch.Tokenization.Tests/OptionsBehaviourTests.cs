namespace SemanticSearch.Tokenization.Tests;

/// <summary>Each option changes exactly the behaviour it names (small hand-made vocabulary).</summary>
public class OptionsBehaviourTests
{
    private static WordPieceTokenizer Small(TokenizerOptions options, params string[] extra)
    {
        using var dir = new TempDirectory();
        var vocab = new[] { "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "Hello", "hello", "héllo", "Héllo", "中", "中文", "##文", "a", "b", "ab" };
        return WordPieceTokenizer.FromVocabFile(dir.Write("vocab.txt", string.Join("\n", vocab.Concat(extra))), options);
    }

    [Fact]
    public void CasedKeepsCaseAndAccents()
    {
        var tokenizer = Small(new TokenizerOptions { DoLowerCase = false });
        Assert.Equal(new[] { "Héllo", "Hello", "hello" }, tokenizer.Pieces("Héllo Hello hello"));
    }

    [Fact]
    public void LowerCaseWithoutAccentStripping()
    {
        var tokenizer = Small(new TokenizerOptions { DoLowerCase = true, StripAccents = false });
        Assert.Equal(new[] { "héllo", "hello" }, tokenizer.Pieces("HÉLLO Hello"));
    }

    [Fact]
    public void AccentStrippingWithoutLowerCasing()
    {
        var tokenizer = Small(new TokenizerOptions { DoLowerCase = false, StripAccents = true });
        Assert.Equal(new[] { "Hello", "hello" }, tokenizer.Pieces("Héllo héllo"));
    }

    [Fact]
    public void ChineseCharacterSplittingCanBeTurnedOff()
    {
        Assert.Equal(new[] { "中", "[UNK]" }, Small(new TokenizerOptions()).Pieces("中文"));
        Assert.Equal(new[] { "中文" }, Small(new TokenizerOptions { TokenizeChineseChars = false }).Pieces("中文"));
    }

    [Fact]
    public void WithoutCleaningControlCharactersStayInTheWord()
    {
        var cleaned = Small(new TokenizerOptions()).Tokenize("a\u0000b");
        Assert.Equal(new[] { 14 }, cleaned.Select(s => s.Id)); // "ab"
        var raw = Small(new TokenizerOptions { CleanText = false }).Tokenize("a\u0000b");
        Assert.Equal(new[] { 1 }, raw.Select(s => s.Id)); // "a\0b" is not in the vocabulary
    }

    [Fact]
    public void CustomContinuationPrefix()
    {
        var tokenizer = Small(new TokenizerOptions { ContinuingSubwordPrefix = "@@" }, "@@b", "x", "##q");
        Assert.Equal(new[] { "x", "@@b" }, tokenizer.Pieces("xb"));
        Assert.Equal(new[] { "[UNK]" }, tokenizer.Pieces("xq")); // "##q" is no continuation under this prefix
    }

    [Fact]
    public void MaxInputCharsPerWordIsConfigurable()
    {
        var tokenizer = Small(new TokenizerOptions { MaxInputCharsPerWord = 1 });
        Assert.Equal(new[] { "a", "[UNK]" }, tokenizer.Pieces("a ab"));
    }
}
