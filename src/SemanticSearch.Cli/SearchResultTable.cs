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
        w.WriteLine($"{"rank",4}  {"score",9}  {"keyword",9}  {"vector",7}  {"id".PadRight(idWidth)}  title / snippet");
        foreach (var h in results.Hits)
        {
            string id = h.Id.Length > idWidth ? h.Id[..(idWidth - 1)] + "…" : h.Id.PadRight(idWidth);
            string text = (h.Title.Length > 0 ? h.Title + " — " : "") + h.Snippet.ReplaceLineEndings(" ");
            if (text.Length > 100) text = text[..99] + "…";
            w.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{h.Rank,4}  {h.Score,9:F4}  {Opt(h.KeywordScore, 9)}  {Opt(h.VectorScore, 7)}  {id}  {text}"));
        }
    }

    private static string Opt(double? v, int width) =>
        (v is double d ? d.ToString("F4", CultureInfo.InvariantCulture) : "-").PadLeft(width);
}
