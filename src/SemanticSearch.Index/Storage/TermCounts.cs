using Lucene.Net.Index;
using Lucene.Net.Search;
using Lucene.Net.Util;

namespace SemanticSearch.Index.Storage;

/// <summary>
/// Counts of live documents by term. Lucene's docFreq still counts deleted documents until their
/// segment is merged, so these walk the postings with the live-docs mask.
/// </summary>
internal static class TermCounts
{
    public static long Live(IndexReader reader, string field, string value)
    {
        long n = 0;
        var bytes = new BytesRef(value);
        foreach (var ctx in reader.Leaves)
        {
            var te = ctx.AtomicReader.GetTerms(field)?.GetEnumerator();
            if (te is null || !te.SeekExact(bytes)) continue;
            n += CountDocs(te.Docs(ctx.AtomicReader.LiveDocs, null, DocsFlags.NONE));
        }
        return n;
    }

    /// <summary>Each term of <paramref name="field"/> with its live documents (terms whose documents are all deleted are left out), in term order.</summary>
    public static SortedDictionary<string, long> PerTerm(IndexReader reader, string field)
    {
        var counts = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var ctx in reader.Leaves)
        {
            var te = ctx.AtomicReader.GetTerms(field)?.GetEnumerator();
            if (te is null) continue;
            while (te.Next() is { } term)
            {
                long n = CountDocs(te.Docs(ctx.AtomicReader.LiveDocs, null, DocsFlags.NONE));
                if (n == 0) continue;
                string key = term.Utf8ToString();
                counts[key] = counts.GetValueOrDefault(key) + n;
            }
        }
        return counts;
    }

    private static long CountDocs(DocsEnum docs)
    {
        long n = 0;
        while (docs.NextDoc() != DocIdSetIterator.NO_MORE_DOCS) n++;
        return n;
    }
}
