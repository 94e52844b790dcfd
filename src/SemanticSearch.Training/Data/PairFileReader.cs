using System.Text.Json;

namespace SemanticSearch.Training.Data;

/// <summary>
/// Reads the three JSONL pair formats, one JSON object per line (blank lines skipped). Every problem is reported
/// with file and line: invalid JSON, missing or unknown fields (a typo like "negatve" would otherwise silently drop
/// the hard negatives), wrong types, empty texts, scores outside [0, 1], labels other than 0/1. Whole-file checks:
/// no examples, hard negatives on some lines only (they form one column), a single distinct label.
/// </summary>
public static class PairFileReader
{
    public static IReadOnlyList<AnchorPositiveExample> ReadAnchorPositive(string path) =>
        WithFile(path, r => ReadAnchorPositive(r, path));

    public static IReadOnlyList<ScoredPairExample> ReadScoredPairs(string path) => WithFile(path, r => ReadScoredPairs(r, path));

    public static IReadOnlyList<LabelledPairExample> ReadLabelledPairs(string path) => WithFile(path, r => ReadLabelledPairs(r, path));

    public static IReadOnlyList<AnchorPositiveExample> ReadAnchorPositive(TextReader reader, string file)
    {
        var examples = new List<AnchorPositiveExample>();
        int? firstWithNegative = null, firstWithout = null;
        foreach (var (line, obj) in Objects(reader, file))
        {
            var fields = new JsonFields(obj, file, line, ["anchor", "positive", "negative"]);
            var example = new AnchorPositiveExample(fields.Text("anchor"), fields.Text("positive"), fields.OptionalText("negative"));
            if (example.Negative is null) firstWithout ??= line; else firstWithNegative ??= line;
            if (firstWithNegative is not null && firstWithout is not null)
                throw new TrainingDataException(file, line,
                    $"\"negative\" is present on line {firstWithNegative} but missing on line {firstWithout}; give every line a negative or none");
            examples.Add(example);
        }
        return NonEmpty(examples, file);
    }

    public static IReadOnlyList<ScoredPairExample> ReadScoredPairs(TextReader reader, string file)
    {
        var examples = new List<ScoredPairExample>();
        foreach (var (line, obj) in Objects(reader, file))
        {
            var fields = new JsonFields(obj, file, line, ["sentence1", "sentence2", "score"]);
            double score = fields.Number("score");
            if (score < 0 || score > 1)
                throw new TrainingDataException(file, line, $"field \"score\" is {score}, expected a value in [0, 1] (rescale e.g. STS 0..5 by /5)");
            examples.Add(new ScoredPairExample(fields.Text("sentence1"), fields.Text("sentence2"), (float)score));
        }
        return NonEmpty(examples, file);
    }

    public static IReadOnlyList<LabelledPairExample> ReadLabelledPairs(TextReader reader, string file)
    {
        var examples = new List<LabelledPairExample>();
        foreach (var (line, obj) in Objects(reader, file))
        {
            var fields = new JsonFields(obj, file, line, ["sentence1", "sentence2", "label"]);
            double label = fields.Number("label");
            if (label != 0 && label != 1)
                throw new TrainingDataException(file, line, $"field \"label\" is {label}, expected 0 or 1");
            examples.Add(new LabelledPairExample(fields.Text("sentence1"), fields.Text("sentence2"), (int)label));
        }
        NonEmpty(examples, file);
        if (examples.Select(e => e.Label).Distinct().Count() < 2)
            throw new TrainingDataException(file, null,
                $"every example has label {examples[0].Label}; contrastive training needs both 0 and 1");
        return examples;
    }

    private static IReadOnlyList<T> NonEmpty<T>(List<T> examples, string file) =>
        examples.Count > 0 ? examples : throw new TrainingDataException(file, null, "no examples (file is empty or blank)");

    private static T WithFile<T>(string path, Func<TextReader, T> read)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"training data file not found: {path}", path);
        using var reader = new StreamReader(path);
        return read(reader);
    }

    private static IEnumerable<(int Line, JsonElement Object)> Objects(TextReader reader, string file)
    {
        int lineNumber = 0;
        for (string? text = reader.ReadLine(); text is not null; text = reader.ReadLine())
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            JsonElement root;
            try
            {
                using var doc = JsonDocument.Parse(text);
                root = doc.RootElement.Clone();
            }
            catch (JsonException e)
            {
                throw new TrainingDataException(file, lineNumber, $"invalid JSON: {e.Message}");
            }
            if (root.ValueKind != JsonValueKind.Object)
                throw new TrainingDataException(file, lineNumber, $"expected a JSON object, got {root.ValueKind}");
            yield return (lineNumber, root);
        }
    }
}
