using System.Text;

namespace SemanticSearch.Index.Search;

/// <summary>
/// Turns free text into an FTS5 query that cannot be a syntax error: every run of letters/digits
/// becomes a quoted term and terms are OR-ed, which is Lucene's default BM25 behaviour. Everything
/// else (quotes, parentheses, operators, `*`, `:`, `-`, emoji) is a separator, exactly as the
/// unicode61 tokenizer would treat it in the indexed text, so nothing meaningful is lost.
/// </summary>
public static class Fts5QueryBuilder
{
    /// <summary>The safe query, or null when the text has no searchable term at all.</summary>
    public static string? FromUserText(string text)
    {
        var terms = Terms(text);
        if (terms.Count == 0) return null;
        // Bare words like AND/OR/NEAR are keywords in FTS5; quoting makes them plain strings.
        return string.Join(" OR ", terms.Distinct(StringComparer.Ordinal).Select(t => "\"" + t + "\""));
    }

    public static List<string> Terms(string text)
    {
        var terms = new List<string>();
        var current = new StringBuilder();
        foreach (var rune in text.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            bool partOfTerm = Rune.IsLetterOrDigit(rune)
                || category is System.Globalization.UnicodeCategory.NonSpacingMark
                    or System.Globalization.UnicodeCategory.SpacingCombiningMark;
            if (partOfTerm) current.Append(rune.ToString());
            else Flush();
        }
        Flush();
        return terms;

        void Flush()
        {
            if (current.Length > 0) terms.Add(current.ToString());
            current.Clear();
        }
    }
}
