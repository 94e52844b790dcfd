using System.Globalization;
using SemanticSearch.Index.Search;

namespace SemanticSearch.Cli;

/// <summary>Search hits as a fixed-width table for people; the TREC run is the machine-readable format.</summary>
public static class SearchResultTable
{
    public static void Write(TextWriter w, SearchResults results)
    {
        if (results.Hits.Count == 0) { w.WriteLine("no results"); return; }
        int idWidth = Math.Clamp(results.Hits.Max(h => h.Id.Length), 2, 40);
        // The predicted-tags column appears only when some hit has one, so untagged indexes print as before.
        var predicted = results.Hits.Select(Predicted).ToList();
        int predictedWidth = Math.Min(predicted.Max(p => p.Length), 40);
        string predictedHeader = predictedWidth == 0 ? "" : "predicted".PadRight(Math.Max(predictedWidth, 9)) + "  ";
        w.WriteLine($"{"rank",4}  {"score",9}  {"keyword",9}  {"vector",7}  {"id".PadRight(idWidth)}  {predictedHeader}title / snippet");
        int row = 0;
        foreach (var h in results.Hits)
        {
            string id = h.Id.Length > idWidth ? h.Id[..(idWidth - 1)] + "…" : h.Id.PadRight(idWidth);
            string text = (h.Title.Length > 0 ? h.Title + " — " : "") + h.Snippet.ReplaceLineEndings(" ");
            if (text.Length > 100) text = text[..99] + "…";
            string p = predicted[row++];
            string predictedCell = predictedWidth == 0 ? "" : (p.Length > predictedWidth ? p[..(predictedWidth - 1)] + "…" : p).PadRight(Math.Max(predictedWidth, 9)) + "  ";
            w.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{h.Rank,4}  {h.Score,9:F4}  {Opt(h.KeywordScore, 9)}  {Opt(h.VectorScore, 7)}  {id}  {predictedCell}{text}"));
        }
    }

    /// <summary>"label 0.93, other 0.71": predicted tags with the head's confidence, most confident first.</summary>
    private static string Predicted(SearchHit h) =>
        string.Join(", ", h.PredictedTags.Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.Tag} {t.Confidence:F2}")));

    private static string Opt(double? v, int width) =>
        (v is double d ? d.ToString("F4", CultureInfo.InvariantCulture) : "-").PadLeft(width);
}
