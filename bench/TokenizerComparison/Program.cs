using System.Text;
using System.Text.Json;
using Microsoft.ML.Tokenizers;
using OurWordPiece = SemanticSearch.Tokenization.WordPieceTokenizer;

// tokenizer-comparison [--fixture FILE] [--vocab FILE]
// Compares our WordPiece tokenizer and Microsoft.ML.Tokenizers' BertTokenizer with BERT's reference ids
// (tests/fixtures/reference/tokenization.json, made by tools/reference from google-research/bert's
// rules) on the uncased cases. Prints a markdown report to stdout; exits 1 if OUR tokenizer differs
// anywhere (the library's differences are the finding, not a failure).
string repoRoot = FindRepoRoot();
string fixturePath = Option("--fixture") ?? Path.Combine(repoRoot, "tests", "fixtures", "reference", "tokenization.json");
string vocabPath = Option("--vocab") ?? Path.GetFullPath(Path.Combine(repoRoot, "..", "shared", "data", "bert-base-uncased", "vocab.txt"));
foreach (string path in new[] { fixturePath, vocabPath })
{
    if (!File.Exists(path))
    {
        Console.Error.WriteLine($"tokenizer-comparison: error: {path} does not exist");
        return 1;
    }
}

using var fixture = JsonDocument.Parse(File.ReadAllText(fixturePath));
var cases = fixture.RootElement.GetProperty("cases").EnumerateArray().ToList();

var ours = OurWordPiece.FromVocabFile(vocabPath);
// The settings that make BertTokenizer follow bert-base-uncased: lower-casing, basic tokenization,
// accent removal and CJK splitting on (the library's own defaults for an uncased vocabulary).
var library = BertTokenizer.Create(vocabPath, new BertOptions
{
    LowerCaseBeforeTokenization = true,
    ApplyBasicTokenization = true,
    RemoveNonSpacingMarks = true,
    IndividuallyTokenizeCjk = true,
});

int oursWrong = 0, libraryWrong = 0;
var report = new StringBuilder();
report.AppendLine("| case | text | reference ids | Microsoft.ML.Tokenizers 3.0.0 BertTokenizer ids |");
report.AppendLine("| --- | --- | --- | --- |");
for (int i = 0; i < cases.Count; i++)
{
    var testCase = cases[i];
    string text = testCase.GetProperty("text").GetString()!;
    int maxLength = testCase.GetProperty("max_length").ValueKind == JsonValueKind.Number
        ? testCase.GetProperty("max_length").GetInt32()
        : int.MaxValue;
    int[] expected = testCase.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();

    int[] oursIds = ours.Encode(text, maxLength).Ids;
    int[] libraryIds = LibraryIds(text, maxLength);
    if (!oursIds.SequenceEqual(expected))
    {
        oursWrong++;
        Console.Error.WriteLine($"case {i}: OUR tokenizer differs: {Render(text)}");
    }
    if (!libraryIds.SequenceEqual(expected))
    {
        libraryWrong++;
        report.AppendLine($"| {i} | `{Render(text)}` | {string.Join(' ', expected)} | {string.Join(' ', libraryIds)} |");
    }
}

Console.WriteLine($"# Tokenizer comparison: {cases.Count} uncased reference cases ({Path.GetFileName(fixturePath)})");
Console.WriteLine();
Console.WriteLine($"- SemanticSearch.Tokenization WordPieceTokenizer: {cases.Count - oursWrong} of {cases.Count} exact, {oursWrong} differ");
Console.WriteLine($"- Microsoft.ML.Tokenizers 3.0.0 BertTokenizer: {cases.Count - libraryWrong} of {cases.Count} exact, {libraryWrong} differ");
Console.WriteLine();
if (libraryWrong > 0)
{
    Console.WriteLine("Cases where BertTokenizer's ids differ from the reference:");
    Console.WriteLine();
    Console.Write(report);
}
return oursWrong == 0 ? 0 : 1;

int[] LibraryIds(string text, int maxLength)
{
    // BertTokenizer counts [CLS] and [SEP] in maxTokenCount as the reference's max_length does.
    var ids = maxLength == int.MaxValue
        ? library.EncodeToIds(text)
        : library.EncodeToIds(text, maxLength, out _, out _);
    return ids.ToArray();
}

static string Render(string text)
{
    var builder = new StringBuilder();
    foreach (Rune rune in text.EnumerateRunes())
    {
        if (Rune.IsControl(rune) || Rune.IsWhiteSpace(rune) && rune.Value != ' ')
            builder.Append($"\\u{rune.Value:X4}");
        else if (rune.Value is '|' or '`')
            builder.Append($"\\u{rune.Value:X4}");
        else
            builder.Append(rune.ToString());
    }
    return builder.ToString();
}

string? Option(string name)
{
    int at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
}

static string FindRepoRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        if (File.Exists(Path.Combine(dir.FullName, "SemanticSearch.sln")))
            return dir.FullName;
    return Directory.GetCurrentDirectory();
}
