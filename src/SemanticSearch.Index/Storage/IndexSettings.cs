using System.Globalization;
using Lucene.Net.Analysis;
using Lucene.Net.Analysis.Core;
using Lucene.Net.Analysis.En;
using Lucene.Net.Analysis.Miscellaneous;
using Lucene.Net.Analysis.Standard;
using Lucene.Net.Util;

namespace SemanticSearch.Index.Storage;

/// <summary>
/// How an index analyzes and scores text, fixed when it is created and recorded in its commit data:
/// the analyzer (a term in the index means what this analyzer made of the text, so a query analyzed
/// any other way would silently miss) and BM25's k1 and b. Opening an index with other settings is
/// refused (<see cref="IndexSettingsMismatchException"/>).
/// </summary>
public sealed record IndexSettings
{
    public const string DefaultAnalyzer = "english";
    /// <summary>BM25's usual k1 1.2 and b 0.75, and the title counted twice in one field (BENCHMARKS.md, "Index on Lucene.Net").</summary>
    public const double DefaultK1 = 1.2, DefaultB = 0.75, DefaultTitleBoost = 0;

    public string Analyzer { get; init; } = DefaultAnalyzer;
    public double K1 { get; init; } = DefaultK1;
    public double B { get; init; } = DefaultB;
    /// <summary>
    /// 0 (the default): the title is counted twice in the one searched field. Above 0: the searched
    /// field holds the text and each query term also searches the title field with this boost. On the
    /// FAQ sample (every entry titled) a separate field boosted 2 scored nDCG@10 0.716 against 0.675; where
    /// few documents have titles, the title field's own idf (over titled documents only) makes a title
    /// match weigh less than a text match, so one field stays the default (BENCHMARKS.md).
    /// </summary>
    public double TitleBoost { get; init; } = DefaultTitleBoost;

    public void Validate()
    {
        AnalyzerCatalog.EnsureKnown(Analyzer);
        if (!(K1 >= 0 && K1 <= 10)) throw new ArgumentException($"BM25 k1 must be between 0 and 10, got {K1}");
        if (!(B >= 0 && B <= 1)) throw new ArgumentException($"BM25 b must be between 0 and 1, got {B}");
        if (!(TitleBoost >= 0 && TitleBoost <= 100)) throw new ArgumentException($"title boost must be between 0 and 100, got {TitleBoost}");
    }

    internal void Write(IDictionary<string, string> data)
    {
        data[CommitKeys.Analyzer] = Analyzer;
        data[CommitKeys.K1] = K1.ToString("R", CultureInfo.InvariantCulture);
        data[CommitKeys.B] = B.ToString("R", CultureInfo.InvariantCulture);
        data[CommitKeys.TitleBoost] = TitleBoost.ToString("R", CultureInfo.InvariantCulture);
    }

    internal static IndexSettings Read(IReadOnlyDictionary<string, string> data) => new()
    {
        Analyzer = data.GetValueOrDefault(CommitKeys.Analyzer) ?? DefaultAnalyzer,
        K1 = double.Parse(data.GetValueOrDefault(CommitKeys.K1) ?? "1.2", CultureInfo.InvariantCulture),
        B = double.Parse(data.GetValueOrDefault(CommitKeys.B) ?? "0.75", CultureInfo.InvariantCulture),
        TitleBoost = double.Parse(data.GetValueOrDefault(CommitKeys.TitleBoost) ?? "0", CultureInfo.InvariantCulture),
    };

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"analyzer '{Analyzer}', BM25 k1 {K1} b {B}, {(TitleBoost == 0 ? "title counted twice" : $"separate title field boosted {TitleBoost}")}");

    /// <summary>Throws unless <paramref name="requested"/> (null: whatever is recorded) equals these recorded settings.</summary>
    internal void EnsureMatches(IndexSettings? requested, string directory)
    {
        if (requested is null || requested == this) return;
        throw new IndexSettingsMismatchException(
            $"index '{directory}' was created with {Describe()}; asked for {requested.Describe()}. " +
            "Analysis is fixed when an index is created: leave the options out to use the recorded ones, or build a new index");
    }
}

/// <summary>An index was opened with analysis settings other than those it was created with.</summary>
public sealed class IndexSettingsMismatchException(string message) : InvalidOperationException(message);

/// <summary>
/// The analyzers an index can be created with: <c>english</c> (the default), <c>standard</c>, and
/// the languages Lucene.Net.Analysis.Common provides, each with its own stop words and stemmer.
/// </summary>
public static class AnalyzerCatalog
{
    internal const LuceneVersion Version = LuceneVersion.LUCENE_48;

    private static readonly Dictionary<string, Func<Analyzer>> Factories = new(StringComparer.Ordinal)
    {
        ["english"] = () => new EnglishFoldingAnalyzer(),
        ["standard"] = () => new StandardAnalyzer(Version),
        ["whitespace"] = () => new WhitespaceAnalyzer(Version),
        ["arabic"] = () => new Lucene.Net.Analysis.Ar.ArabicAnalyzer(Version),
        ["armenian"] = () => new Lucene.Net.Analysis.Hy.ArmenianAnalyzer(Version),
        ["basque"] = () => new Lucene.Net.Analysis.Eu.BasqueAnalyzer(Version),
        ["brazilian"] = () => new Lucene.Net.Analysis.Br.BrazilianAnalyzer(Version),
        ["bulgarian"] = () => new Lucene.Net.Analysis.Bg.BulgarianAnalyzer(Version),
        ["catalan"] = () => new Lucene.Net.Analysis.Ca.CatalanAnalyzer(Version),
        ["cjk"] = () => new Lucene.Net.Analysis.Cjk.CJKAnalyzer(Version),
        ["czech"] = () => new Lucene.Net.Analysis.Cz.CzechAnalyzer(Version),
        ["danish"] = () => new Lucene.Net.Analysis.Da.DanishAnalyzer(Version),
        ["dutch"] = () => new Lucene.Net.Analysis.Nl.DutchAnalyzer(Version),
        ["finnish"] = () => new Lucene.Net.Analysis.Fi.FinnishAnalyzer(Version),
        ["french"] = () => new Lucene.Net.Analysis.Fr.FrenchAnalyzer(Version),
        ["galician"] = () => new Lucene.Net.Analysis.Gl.GalicianAnalyzer(Version),
        ["german"] = () => new Lucene.Net.Analysis.De.GermanAnalyzer(Version),
        ["greek"] = () => new Lucene.Net.Analysis.El.GreekAnalyzer(Version),
        ["hindi"] = () => new Lucene.Net.Analysis.Hi.HindiAnalyzer(Version),
        ["hungarian"] = () => new Lucene.Net.Analysis.Hu.HungarianAnalyzer(Version),
        ["indonesian"] = () => new Lucene.Net.Analysis.Id.IndonesianAnalyzer(Version),
        ["irish"] = () => new Lucene.Net.Analysis.Ga.IrishAnalyzer(Version),
        ["italian"] = () => new Lucene.Net.Analysis.It.ItalianAnalyzer(Version),
        ["latvian"] = () => new Lucene.Net.Analysis.Lv.LatvianAnalyzer(Version),
        ["norwegian"] = () => new Lucene.Net.Analysis.No.NorwegianAnalyzer(Version),
        ["persian"] = () => new Lucene.Net.Analysis.Fa.PersianAnalyzer(Version),
        ["portuguese"] = () => new Lucene.Net.Analysis.Pt.PortugueseAnalyzer(Version),
        ["romanian"] = () => new Lucene.Net.Analysis.Ro.RomanianAnalyzer(Version),
        ["russian"] = () => new Lucene.Net.Analysis.Ru.RussianAnalyzer(Version),
        ["sorani"] = () => new Lucene.Net.Analysis.Ckb.SoraniAnalyzer(Version),
        ["spanish"] = () => new Lucene.Net.Analysis.Es.SpanishAnalyzer(Version),
        ["swedish"] = () => new Lucene.Net.Analysis.Sv.SwedishAnalyzer(Version),
        ["turkish"] = () => new Lucene.Net.Analysis.Tr.TurkishAnalyzer(Version),
    };

    public static IReadOnlyCollection<string> Names => Factories.Keys;

    public static void EnsureKnown(string name)
    {
        if (!Factories.ContainsKey(name))
            throw new ArgumentException($"unknown analyzer '{name}' (expected one of: {string.Join(", ", Factories.Keys)})");
    }

    public static Analyzer Create(string name)
    {
        EnsureKnown(name);
        return Factories[name]();
    }
}

/// <summary>
/// English as the index's default: StandardTokenizer, possessives stripped ("bank's" → "bank"),
/// lower case, Lucene's English stop words (so "where is my package" does not match on "is"),
/// ASCII folding ("café" = "cafe"), then Porter. Lucene's EnglishAnalyzer does all but the folding.
/// </summary>
internal sealed class EnglishFoldingAnalyzer : Analyzer
{
    protected override TokenStreamComponents CreateComponents(string fieldName, TextReader reader)
    {
        var source = new StandardTokenizer(AnalyzerCatalog.Version, reader);
        TokenStream result = new StandardFilter(AnalyzerCatalog.Version, source);
        result = new EnglishPossessiveFilter(AnalyzerCatalog.Version, result);
        result = new LowerCaseFilter(AnalyzerCatalog.Version, result);
        result = new StopFilter(AnalyzerCatalog.Version, result, EnglishAnalyzer.DefaultStopSet);
        result = new ASCIIFoldingFilter(result);
        result = new PorterStemFilter(result);
        return new TokenStreamComponents(source, result);
    }
}
