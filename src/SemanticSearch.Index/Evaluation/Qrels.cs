using System.Globalization;

namespace SemanticSearch.Index.Evaluation;

/// <summary>
/// Relevance judgements, BEIR layout: tab-separated `query-id corpus-id score`, optionally with a
/// header row (recognised by a non-integer score). Graded: score &gt; 0 is relevant, the score is the gain.
/// </summary>
public sealed class Qrels
{
    public IReadOnlyDictionary<string, Dictionary<string, int>> ByQuery => _byQuery;
    private readonly Dictionary<string, Dictionary<string, int>> _byQuery = new(StringComparer.Ordinal);

    public void Add(string query, string doc, int relevance)
    {
        if (!_byQuery.TryGetValue(query, out var docs)) _byQuery[query] = docs = new Dictionary<string, int>(StringComparer.Ordinal);
        docs[doc] = relevance;
    }

    public static Qrels Load(string path)
    {
        var qrels = new Qrels();
        int line = 0;
        foreach (var raw in File.ReadLines(path))
        {
            line++;
            if (string.IsNullOrWhiteSpace(raw)) continue;
            var f = raw.Split('\t');
            if (f.Length == 4) f = new[] { f[0], f[2], f[3] }; // TREC qrels: qid iter docid rel
            if (f.Length != 3) throw new FormatException($"{path}:{line}: expected 3 tab-separated fields (query-id, corpus-id, score), got {f.Length}");
            if (!int.TryParse(f[2].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int rel))
            {
                if (line == 1) continue; // header
                throw new FormatException($"{path}:{line}: score '{f[2]}' is not an integer");
            }
            qrels.Add(f[0].Trim(), f[1].Trim(), rel);
        }
        return qrels;
    }
}
