using System.Globalization;

namespace SemanticSearch.Index.Evaluation;

/// <summary>One retrieved document of a run.</summary>
public readonly record struct RunEntry(string DocId, double Score);

/// <summary>
/// A TREC run: `qid Q0 docid rank score tag`, whitespace separated. As in trec_eval, the rank column
/// is ignored; documents are ordered by score descending, ties by docid descending (string order).
/// </summary>
public sealed class TrecRun
{
    private readonly Dictionary<string, List<RunEntry>> _byQuery = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> Queries => _byQuery.Keys;

    public void Add(string query, string doc, double score)
    {
        if (!_byQuery.TryGetValue(query, out var list)) _byQuery[query] = list = new List<RunEntry>();
        list.Add(new RunEntry(doc, score));
    }

    /// <summary>The query's documents in trec_eval order (duplicates of a docid keep the first).</summary>
    public IReadOnlyList<RunEntry> Ranked(string query)
    {
        if (!_byQuery.TryGetValue(query, out var list)) return Array.Empty<RunEntry>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        return list.Where(e => seen.Add(e.DocId))
            .OrderByDescending(e => e.Score).ThenByDescending(e => e.DocId, StringComparer.Ordinal).ToList();
    }

    public static TrecRun Load(string path)
    {
        var run = new TrecRun();
        int line = 0;
        foreach (var raw in File.ReadLines(path))
        {
            line++;
            if (string.IsNullOrWhiteSpace(raw)) continue;
            var f = raw.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length != 6) throw new FormatException($"{path}:{line}: expected 6 fields (qid Q0 docid rank score tag), got {f.Length}");
            if (!double.TryParse(f[4], NumberStyles.Float, CultureInfo.InvariantCulture, out double score) || !double.IsFinite(score))
                throw new FormatException($"{path}:{line}: score '{f[4]}' is not a number");
            run.Add(f[0], f[2], score);
        }
        return run;
    }

    /// <summary>Writes one line per hit: `qid Q0 docid rank score tag`, ranks from 1.</summary>
    public static void WriteQuery(TextWriter w, string query, IEnumerable<(string DocId, double Score)> ranked, string tag = "semsearch")
    {
        int rank = 0;
        foreach (var (doc, score) in ranked)
            w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{query} Q0 {doc} {++rank} {score:R} {tag}"));
    }
}
