using System.Globalization;
using System.Text.Json;
using SemanticSearch.Training.Data;
using SemanticSearch.Training.Evaluation;

namespace SemanticSearch.Training.Loop;

/// <summary>A retrieval evaluation set: queries, corpus and graded relevance (query id → document id → grade).</summary>
public sealed record RetrievalSet(
    IReadOnlyList<IdentifiedText> Queries,
    IReadOnlyList<IdentifiedText> Corpus,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> Relevant);

/// <summary>
/// Reads a BEIR-style folder, as index/samples/banking77-faq ships it:
///   corpus.jsonl   {"_id": "...", "title": "..." (optional), "text": "..."} — other fields ignored;
///                  a document is embedded as "title. text" (the form the FAQ pairs use), or text alone
///   queries.jsonl  {"_id": "...", "text": "..."}
///   qrels/test.tsv header "query-id	corpus-id	score", then one judgement per line; score &gt; 0 is relevant
///                  (another qrels/*.tsv is used when there is no test.tsv and exactly one exists)
/// Problems are reported as "file:line: problem".
/// </summary>
public static class BeirFolderReader
{
    public static RetrievalSet Read(string folder)
    {
        var corpus = ReadTexts(Path.Combine(folder, "corpus.jsonl"), withTitle: true);
        var queries = ReadTexts(Path.Combine(folder, "queries.jsonl"), withTitle: false);
        var relevant = ReadQrels(QrelsPath(folder), queries.Select(q => q.Id).ToHashSet(StringComparer.Ordinal),
            corpus.Select(c => c.Id).ToHashSet(StringComparer.Ordinal));
        return new RetrievalSet(queries, corpus, relevant);
    }

    private static string QrelsPath(string folder)
    {
        string dir = Path.Combine(folder, "qrels"), test = Path.Combine(dir, "test.tsv");
        if (File.Exists(test)) return test;
        var all = Directory.Exists(dir) ? Directory.GetFiles(dir, "*.tsv") : [];
        return all.Length == 1 ? all[0] : throw new FileNotFoundException($"{folder}: expected qrels/test.tsv (or a single qrels/*.tsv)", test);
    }

    private static List<IdentifiedText> ReadTexts(string path, bool withTitle)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"BEIR file not found: {path}", path);
        var texts = new List<IdentifiedText>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        int line = 0;
        foreach (var raw in File.ReadLines(path))
        {
            line++;
            if (string.IsNullOrWhiteSpace(raw)) continue;
            JsonElement obj;
            try { obj = JsonDocument.Parse(raw).RootElement; }
            catch (JsonException e) { throw new TrainingDataException(path, line, $"invalid JSON: {e.Message}"); }
            if (obj.ValueKind != JsonValueKind.Object) throw new TrainingDataException(path, line, $"expected a JSON object, got {obj.ValueKind}");
            string id = obj.TryGetProperty("_id", out var idValue) && idValue.ValueKind is JsonValueKind.String or JsonValueKind.Number
                ? (idValue.ValueKind == JsonValueKind.String ? idValue.GetString()! : idValue.GetRawText())
                : throw new TrainingDataException(path, line, "missing field \"_id\" (string or number)");
            string text = obj.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(t.GetString())
                ? t.GetString()! : throw new TrainingDataException(path, line, "field \"text\" is missing, empty or not a string");
            if (withTitle && obj.TryGetProperty("title", out var title) && title.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(title.GetString()))
                text = title.GetString() + ". " + text;
            if (!ids.Add(id)) throw new TrainingDataException(path, line, $"\"_id\" '{id}' appears twice");
            texts.Add(new IdentifiedText(id, text));
        }
        if (texts.Count == 0) throw new TrainingDataException(path, null, "no entries");
        return texts;
    }

    private static Dictionary<string, IReadOnlyDictionary<string, double>> ReadQrels(string path, HashSet<string> queryIds, HashSet<string> corpusIds)
    {
        var relevant = new Dictionary<string, Dictionary<string, double>>(StringComparer.Ordinal);
        int line = 0;
        foreach (var raw in File.ReadLines(path))
        {
            line++;
            if (string.IsNullOrWhiteSpace(raw)) continue;
            var fields = raw.Split('\t');
            if (line == 1 && fields[0] == "query-id") continue; // header
            if (fields.Length != 3) throw new TrainingDataException(path, line, $"expected 3 tab-separated fields (query-id, corpus-id, score), got {fields.Length}");
            if (!queryIds.Contains(fields[0])) throw new TrainingDataException(path, line, $"query-id '{fields[0]}' is not in queries.jsonl");
            if (!corpusIds.Contains(fields[1])) throw new TrainingDataException(path, line, $"corpus-id '{fields[1]}' is not in corpus.jsonl");
            if (!double.TryParse(fields[2], NumberStyles.Float, CultureInfo.InvariantCulture, out double score) || !double.IsFinite(score))
                throw new TrainingDataException(path, line, $"score '{fields[2]}' is not a number");
            if (score <= 0) continue; // BEIR: 0 means judged not relevant
            if (!relevant.TryGetValue(fields[0], out var grades)) relevant[fields[0]] = grades = new(StringComparer.Ordinal);
            grades[fields[1]] = score;
        }
        if (relevant.Count == 0) throw new TrainingDataException(path, null, "no relevant (score > 0) judgements");
        return relevant.ToDictionary(kv => kv.Key, kv => (IReadOnlyDictionary<string, double>)kv.Value, StringComparer.Ordinal);
    }
}
