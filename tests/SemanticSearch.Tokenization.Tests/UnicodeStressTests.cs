using System.Text.Json;

namespace SemanticSearch.Tokenization.Tests;

/// <summary>
/// 1,500 random mixed-script strings checked against ids from the independent Python port of BERT's rules
/// (see Fixtures/make_unicode_stress.py): covers NFD accent stripping, Hangul, punctuation and control handling
/// far beyond the hand-written cases.
/// </summary>
public class UnicodeStressTests
{
    private static readonly Lazy<JsonElement> Fixture = new(() =>
    {
        var path = Path.Combine(TestData.RepoRoot, "tests", "SemanticSearch.Tokenization.Tests", "Fixtures", "unicode-stress.json");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.Clone();
    });

    [Theory]
    [InlineData(true, "uncased_ids")]
    [InlineData(false, "cased_ids")]
    public void IdsMatchThePythonPort(bool lowerCase, string field)
    {
        var tokenizer = WordPieceTokenizer.FromVocabFile(TestData.BertVocabPath, new TokenizerOptions { DoLowerCase = lowerCase });
        var cases = Fixture.Value.GetProperty("cases").EnumerateArray().ToList();
        Assert.Equal(1500, cases.Count);
        var mismatches = new List<string>();
        foreach (var testCase in cases)
        {
            var text = testCase.GetProperty("text").GetString()!;
            var expected = testCase.GetProperty(field).EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var actual = tokenizer.Encode(text, int.MaxValue).Ids;
            if (!expected.SequenceEqual(actual))
                mismatches.Add($"{JsonSerializer.Serialize(text)}: expected [{string.Join(",", expected)}], got [{string.Join(",", actual)}]");
        }
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} mismatches, first: {mismatches.FirstOrDefault()}");
    }

    [Fact]
    public void OffsetsOfEveryStressCaseAreOrderedAndInsideTheText()
    {
        var tokenizer = TestData.BertUncased;
        foreach (var testCase in Fixture.Value.GetProperty("cases").EnumerateArray())
        {
            var text = testCase.GetProperty("text").GetString()!;
            int previousStart = 0, previousEnd = 0;
            foreach (var span in tokenizer.Tokenize(text))
            {
                // Pieces never overlap, except that pieces cut from one source character (a Hangul syllable's
                // jamo, a decomposed ligature) all carry that character's span.
                bool follows = span.Start >= previousEnd || (span.Start == previousStart && span.End == previousEnd);
                Assert.True(follows && span.End > span.Start && span.End <= text.Length,
                    $"bad span ({span.Start},{span.End}) after ({previousStart},{previousEnd}) in {JsonSerializer.Serialize(text)}");
                (previousStart, previousEnd) = (span.Start, span.End);
            }
        }
    }
}
