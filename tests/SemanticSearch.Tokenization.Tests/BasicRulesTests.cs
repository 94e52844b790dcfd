namespace SemanticSearch.Tokenization.Tests;

/// <summary>BERT's text rules, checked by hand against the real bert-base-uncased vocabulary.</summary>
public class BasicRulesTests
{
    private static readonly WordPieceTokenizer Bert = TestData.BertUncased;

    [Fact]
    public void SplitsUnknownWordIntoLongestMatchingPieces()
    {
        Assert.Equal(new[] { "una", "##ffa", "##ble" }, Bert.Pieces("unaffable"));
        var ids = Bert.Tokenize("unaffable").Select(t => t.Id);
        Assert.Equal(new[] { 14477, 20961, 3468 }, ids);
    }

    [Fact]
    public void LowerCasesAndStripsAccents()
    {
        Assert.Equal(new[] { "hello" }, Bert.Pieces("Héllo"));
        Assert.Equal(new[] { "cafe", "naive" }, Bert.Pieces("CAFÉ naïve"));
        // Already-decomposed input (e + U+0301) strips the same way.
        Assert.Equal(new[] { "cafe" }, Bert.Pieces("cafe\u0301"));
    }

    [Fact]
    public void DottedCapitalIBecomesPlainI()
    {
        // Python lower-cases U+0130 to "i" + U+0307; accent stripping then removes the dot.
        Assert.Equal(Bert.Pieces("istanbul"), Bert.Pieces("\u0130stanbul"));
    }

    [Fact]
    public void CapitalSigmaAtWordEndBecomesFinalSigma()
    {
        var final = Bert.Tokenize("Σ Σ").Select(t => t.Id).ToArray();
        Assert.True(Bert.TryGetId("σ", out int sigma));
        Assert.Equal(new[] { sigma, sigma }, final); // alone: not preceded by a cased letter
        var pieces = Bert.Pieces("ΑΣ");
        Assert.Equal("##ς", pieces[^1]);
        Assert.DoesNotContain("##ς", Bert.Pieces("ΑΣΑ"));
    }

    [Fact]
    public void HangulSyllablesDecomposeIntoJamo()
    {
        // NFD turns 하 (U+D558) into ᄒ + ᅡ, both in the vocabulary.
        Assert.Equal(new[] { "ᄒ", "##ᅡ" }, Bert.Pieces("하"));
    }

    [Fact]
    public void CjkIdeographsBecomeSeparateWords()
    {
        Assert.Equal(new[] { "中", "文" }, Bert.Pieces("中文"));
        Assert.Equal(new[] { "a", "中", "b" }, Bert.Pieces("a中b"));
    }

    [Fact]
    public void CjkExtensionBCharacterIsOneWordOfOneCodePoint()
    {
        var spans = Bert.Tokenize("x\U00020000y");
        Assert.Equal(3, spans.Count);
        Assert.Equal(Bert.UnkId, spans[1].Id);
        Assert.Equal((1, 3), (spans[1].Start, spans[1].End)); // two UTF-16 units, one character
    }

    [Fact]
    public void EmojiIsOneUnknownToken()
    {
        var spans = Bert.Tokenize("ok 😀 ok");
        Assert.Equal(new[] { "ok", "[UNK]", "ok" }, spans.Select(s => Bert.IdToToken(s.Id)));
        Assert.Equal((3, 5), (spans[1].Start, spans[1].End));
    }

    [Fact]
    public void EveryPunctuationCharacterIsItsOwnWord()
    {
        Assert.Equal(new[] { "hello", ",", "world", "!", "!", "!" }, Bert.Pieces("Hello, world!!!"));
        Assert.Equal(new[] { ".", ".", "." }, Bert.Pieces("..."));
        // Non-letter ASCII symbols count as punctuation too ($ ^ `), as does Unicode category P (¿ «).
        Assert.Equal(new[] { "$", "5", "^", "2", "`" }, Bert.Pieces("$5^2`"));
        Assert.Equal(new[] { "¿", "que", "?" }, Bert.Pieces("¿que?"));
    }

    [Fact]
    public void ControlCharactersAreDroppedWithoutSplittingTheWord()
    {
        Assert.Equal(new[] { "hello" }, Bert.Pieces("hel\u0000lo"));
        Assert.Equal(new[] { "hello" }, Bert.Pieces("hel\u0007l\u200Bo")); // Cc bell, Cf zero-width space
        Assert.Equal(new[] { "hello", "world" }, Bert.Pieces("hello\tworld\r\n"));
    }

    [Fact]
    public void ReplacementCharacterIsDropped()
    {
        Assert.Equal(new[] { "hello" }, Bert.Pieces("hel\uFFFDlo"));
        Assert.Empty(Bert.Tokenize("\uFFFD"));
    }

    [Fact]
    public void LoneSurrogatesAreDroppedWithoutCrashing()
    {
        Assert.Equal(new[] { "hello" }, Bert.Pieces("hel\uD800lo"));
        Assert.Equal(new[] { "hello" }, Bert.Pieces("hel\uDC00lo"));
        Assert.Equal(new[] { "hello" }, Bert.Pieces("\uDC00hello\uD83D"));
    }

    [Fact]
    public void UnicodeSpacesSeparateWords()
    {
        Assert.Equal(new[] { "hello", "world" }, Bert.Pieces("hello\u00A0world"));
        Assert.Equal(new[] { "hello", "world" }, Bert.Pieces("hello\u3000world"));
        Assert.Equal(new[] { "hello", "world" }, Bert.Pieces("hello\u2028world"));
    }

    [Fact]
    public void WordLongerThanOneHundredCharactersIsUnknown()
    {
        var exactly100 = new string('a', 100);
        Assert.NotEqual(new[] { "[UNK]" }, Bert.Pieces(exactly100));
        var spans = Bert.Tokenize("x " + new string('a', 101) + " y");
        Assert.Equal(new[] { "x", "[UNK]", "y" }, spans.Select(s => Bert.IdToToken(s.Id)));
        Assert.Equal((2, 103), (spans[1].Start, spans[1].End));
    }

    [Fact]
    public void WordLimitCountsCodePointsNotUtf16Units()
    {
        // 60 emoji = 120 UTF-16 units but only 60 characters: under the limit, so matched piece by piece.
        var emoji = string.Concat(Enumerable.Repeat("😀", 60));
        var spans = Bert.Tokenize(emoji);
        Assert.Single(spans);
        Assert.Equal(Bert.UnkId, spans[0].Id);
        Assert.Equal((0, 120), (spans[0].Start, spans[0].End));
    }

    [Fact]
    public void WordWithUnmatchableTailIsOneUnknownToken()
    {
        var spans = Bert.Tokenize("hello😀");
        Assert.Equal(new[] { Bert.UnkId }, spans.Select(s => s.Id));
        Assert.Equal((0, 7), (spans[0].Start, spans[0].End));
    }

    [Fact]
    public void EmptyAndWhitespaceOnlyTextHaveNoPieces()
    {
        Assert.Empty(Bert.Tokenize(""));
        Assert.Empty(Bert.Tokenize(" \t\n\u00A0\u0000"));
        Assert.Empty(Bert.Tokenize("\u0301")); // a lone accent strips to nothing
    }

    [Fact]
    public void SpecialTokenTextIsTokenizedAsOrdinaryText()
    {
        Assert.DoesNotContain(Bert.SepId, Bert.Tokenize("a [SEP] b").Select(t => t.Id));
        Assert.Equal(new[] { "[", "sep", "]" }, Bert.Pieces("[SEP]"));
    }
}
