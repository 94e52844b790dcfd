using System.Text.Json;

namespace SemanticSearch.Tokenization.Tests;

/// <summary>
/// Token ids computed independently in Python (tools/reference/bert_reference.py, a port of Google's
/// tokenization.py rules) and committed as tests/fixtures/reference/tokenization.json.
/// </summary>
public class ReferenceFixtureTests
{
    private static string FixturePath => Path.Combine(TestData.RepoRoot, "tests", "fixtures", "reference", "tokenization.json");

    public static IEnumerable<object[]> UncasedCases() => CaseIndices("cases");

    public static IEnumerable<object[]> CasedCases() => CaseIndices("cased", "cases");

    [Theory]
    [MemberData(nameof(UncasedCases))]
    public void UncasedIdsMatchReference(int index) => CheckCase(TestData.BertUncased, Cases(Root(), "cases")[index]);

    [Theory]
    [MemberData(nameof(CasedCases))]
    public void CasedIdsMatchReference(int index)
    {
        var cased = Root().GetProperty("cased");
        Assert.False(cased.GetProperty("do_lower_case").GetBoolean());
        var tokenizer = WordPieceTokenizer.FromVocabFile(TestData.BertVocabPath, new TokenizerOptions { DoLowerCase = false });
        CheckCase(tokenizer, Cases(Root(), "cased", "cases")[index]);
    }

    [Fact]
    public void FixtureUsesTheSharedVocabularyAndCoversEnoughCases()
    {
        var root = Root();
        Assert.True(root.GetProperty("do_lower_case").GetBoolean());
        Assert.Equal("07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3", root.GetProperty("vocab_sha256").GetString());
        var actualSha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(TestData.BertVocabPath)));
        Assert.Equal(root.GetProperty("vocab_sha256").GetString(), actualSha);
        Assert.True(Cases(root, "cases").Count >= 50);
    }

    private static void CheckCase(WordPieceTokenizer tokenizer, JsonElement testCase)
    {
        string text = testCase.GetProperty("text").GetString()!;
        int maxLength = testCase.GetProperty("max_length").ValueKind == JsonValueKind.Number
            ? testCase.GetProperty("max_length").GetInt32()
            : int.MaxValue;
        var expectedIds = testCase.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var expectedTokens = testCase.GetProperty("tokens").EnumerateArray().Select(e => e.GetString()!).ToArray();

        var encoded = tokenizer.Encode(text, maxLength);
        Assert.Equal(expectedTokens, encoded.Ids.Select(tokenizer.IdToToken));
        Assert.Equal(expectedIds, encoded.Ids);
        Assert.Equal(maxLength != int.MaxValue && tokenizer.Tokenize(text).Count > maxLength - 2, encoded.Truncated);
    }

    private static JsonElement Root()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(FixturePath));
        return document.RootElement.Clone();
    }

    private static List<JsonElement> Cases(JsonElement root, params string[] path)
    {
        var node = root;
        foreach (var name in path) node = node.GetProperty(name);
        return node.EnumerateArray().ToList();
    }

    private static IEnumerable<object[]> CaseIndices(params string[] path)
    {
        // A missing fixture must fail loudly, not yield zero cases.
        if (!File.Exists(FixturePath)) throw new FileNotFoundException("Reference fixture missing", FixturePath);
        return Enumerable.Range(0, Cases(Root(), path).Count).Select(i => new object[] { i });
    }
}
