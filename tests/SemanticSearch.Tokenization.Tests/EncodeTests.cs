namespace SemanticSearch.Tokenization.Tests;

/// <summary>Model input: [CLS] pieces [SEP], truncation, special token ids.</summary>
public class EncodeTests
{
    private static readonly WordPieceTokenizer Bert = TestData.BertUncased;

    [Fact]
    public void SpecialTokenIdsAreThoseOfBertBaseUncased()
    {
        Assert.Equal((0, 100, 101, 102, 103), (Bert.PadId, Bert.UnkId, Bert.ClsId, Bert.SepId, Bert.MaskId));
        Assert.Equal(30522, Bert.VocabSize);
        Assert.Equal("[CLS]", Bert.IdToToken(101));
    }

    [Fact]
    public void WrapsPiecesInClsAndSepWithZeroOffsets()
    {
        var encoded = Bert.Encode("Hello world", 16);
        Assert.Equal(new[] { 101, 7592, 2088, 102 }, encoded.Ids);
        Assert.Equal(new[] { 0, 0, 6, 0 }, encoded.Starts);
        Assert.Equal(new[] { 0, 5, 11, 0 }, encoded.Ends);
        Assert.False(encoded.Truncated);
        Assert.Equal(4, encoded.Length);
    }

    [Fact]
    public void EmptyTextIsClsSep()
    {
        var encoded = Bert.Encode("", 8);
        Assert.Equal(new[] { 101, 102 }, encoded.Ids);
        Assert.False(encoded.Truncated);
    }

    [Fact]
    public void TruncatesToMaxLengthKeepingSep()
    {
        var encoded = Bert.Encode("one two three four five", 4);
        Assert.Equal(4, encoded.Length);
        Assert.Equal(new[] { "[CLS]", "one", "two", "[SEP]" }, encoded.Ids.Select(Bert.IdToToken));
        Assert.True(encoded.Truncated);
    }

    [Fact]
    public void TruncatesInsideAWordSplitIntoPieces()
    {
        var encoded = Bert.Encode("unaffable", 4);
        Assert.Equal(new[] { 101, 14477, 20961, 102 }, encoded.Ids);
        Assert.True(encoded.Truncated);
    }

    [Fact]
    public void ExactFitIsNotTruncated()
    {
        var encoded = Bert.Encode("one two", 4);
        Assert.Equal(4, encoded.Length);
        Assert.False(encoded.Truncated);
        Assert.True(Bert.Encode("one two", 3).Truncated);
    }

    [Fact]
    public void MaxLengthTwoLeavesOnlySpecialTokens()
    {
        var encoded = Bert.Encode("hello", 2);
        Assert.Equal(new[] { 101, 102 }, encoded.Ids);
        Assert.True(encoded.Truncated);
    }

    [Fact]
    public void EncodeAgreesWithTokenize()
    {
        const string text = "Why hasn't my card payment gone through yet? It's been 3 days!";
        var pieces = Bert.Tokenize(text);
        var encoded = Bert.Encode(text, 512);
        Assert.Equal(pieces.Select(p => p.Id), encoded.Ids[1..^1]);
        Assert.Equal(pieces.Select(p => p.Start), encoded.Starts[1..^1]);
        Assert.Equal(pieces.Select(p => p.End), encoded.Ends[1..^1]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(0)]
    [InlineData(-5)]
    public void RejectsMaxLengthBelowTwo(int maxLength)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Bert.Encode("hi", maxLength));
        Assert.Equal("maxLength", error.ParamName);
    }

    [Fact]
    public void RejectsNullText()
    {
        Assert.Throws<ArgumentNullException>(() => Bert.Encode(null!, 8));
        Assert.Throws<ArgumentNullException>(() => Bert.Tokenize(null!));
    }

    [Fact]
    public void IdToTokenRejectsIdsOutsideTheVocabulary()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Bert.IdToToken(30522));
        Assert.Throws<ArgumentOutOfRangeException>(() => Bert.IdToToken(-1));
    }

    [Fact]
    public void MultiMegabyteDocumentTokenizesCompletelyAndLaterCallsStillWork()
    {
        const int repeats = 150_000;
        var text = string.Concat(Enumerable.Repeat("unaffable Héllo ", repeats)); // 2.4M chars
        var spans = Bert.Tokenize(text);
        Assert.Equal(4 * repeats, spans.Count); // una ##ffa ##ble hello
        Assert.Equal("Héllo", text[spans[^1].Start..spans[^1].End]);
        Assert.Equal(text.Length - 6, spans[^1].Start);
        var truncated = Bert.Encode(text, 512);
        Assert.Equal(512, truncated.Length);
        Assert.True(truncated.Truncated);
        Assert.Equal(new[] { "una", "##ffa", "##ble" }, Bert.Pieces("unaffable"));
    }

    [Fact]
    public void ConcurrentCallersGetTheSameResults()
    {
        var texts = Enumerable.Range(0, 200).Select(i => $"Text number {i}: Ünïcödé and 東京 {new string('x', i % 7)}").ToArray();
        var expected = texts.Select(t => Bert.Encode(t, 32).Ids).ToArray();
        var actual = new int[texts.Length][];
        Parallel.For(0, texts.Length, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i => actual[i] = Bert.Encode(texts[i], 32).Ids);
        for (int i = 0; i < texts.Length; i++) Assert.Equal(expected[i], actual[i]);
    }
}
