namespace SemanticSearch.Tokenization.Tests;

/// <summary>Offsets point into the original string, whatever normalization did to the text.</summary>
public class OffsetTests
{
    private static readonly WordPieceTokenizer Bert = TestData.BertUncased;

    private static string[] Sources(string text) =>
        Bert.Tokenize(text).Select(s => text[s.Start..s.End]).ToArray();

    [Fact]
    public void PiecesOfAWordCoverItsCharacters()
    {
        Assert.Equal(new[] { "una", "ffa", "ble" }, Sources("unaffable"));
        var spans = Bert.Tokenize("  unaffable");
        Assert.Equal(new[] { (2, 5), (5, 8), (8, 11) }, spans.Select(s => (s.Start, s.End)));
    }

    [Fact]
    public void OffsetsSurviveLowerCasingAndPunctuation()
    {
        Assert.Equal(new[] { "Hello", ",", "WORLD", "!" }, Sources("Hello, WORLD!"));
    }

    [Fact]
    public void OffsetsSurviveAccentStripping()
    {
        const string text = "Où est le CAFÉ?";
        var spans = Bert.Tokenize(text);
        Assert.Equal(new[] { "ou", "est", "le", "cafe", "?" }, spans.Select(s => Bert.IdToToken(s.Id)));
        Assert.Equal(new[] { "Où", "est", "le", "CAFÉ", "?" }, spans.Select(s => text[s.Start..s.End]));
    }

    [Fact]
    public void DecomposedAccentMapsBackToBothSourceCharacters()
    {
        const string text = "cafe\u0301 x";
        var cafe = Bert.Tokenize(text)[0];
        Assert.Equal("cafe", Bert.IdToToken(cafe.Id));
        Assert.Equal((0, 4), (cafe.Start, cafe.End)); // the dropped accent at index 4 is not part of any piece
    }

    [Fact]
    public void OffsetsSkipDroppedCharactersAndCountSurrogatePairs()
    {
        const string text = "\u0000a😀b\uFFFD c";
        Assert.Equal(new[] { "a😀b", "c" }, Sources(text));
        var spans = Bert.Tokenize(text);
        Assert.Equal((1, 5), (spans[0].Start, spans[0].End));
    }

    [Fact]
    public void OffsetsOfHangulPiecesPointAtTheSyllable()
    {
        const string text = "x 하";
        Assert.Equal(new[] { "x", "하", "하" }, Sources(text)); // both jamo pieces come from one source character
    }

    [Fact]
    public void OffsetsAreOrderedAndInsideTheText()
    {
        const string text = "Résumé: naïve façade—über-cool 東京 😀!";
        var spans = Bert.Tokenize(text);
        Assert.NotEmpty(spans);
        int previousEnd = 0;
        foreach (var span in spans)
        {
            Assert.InRange(span.Start, previousEnd, text.Length - 1);
            Assert.InRange(span.End, span.Start + 1, text.Length);
            previousEnd = span.End;
        }
    }
}
