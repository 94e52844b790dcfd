using SemanticSearch.Index.Search;
using SemanticSearch.Index.Storage;

namespace SemanticSearch.Index.Tests;

/// <summary>Analysis and BM25 settings are fixed at creation and recorded; other formats and damage get clear errors.</summary>
public class IndexSettingsTests
{
    private static List<string> Ids(IndexSearcher s, string query) =>
        s.Search(new SearchRequest(query) { Top = 100, Snippets = false }).Hits.Select(h => h.Id).ToList();

    [Fact]
    public void Settings_are_recorded_at_creation_and_another_analyzer_is_refused()
    {
        using var dir = new TempDirectory();
        var french = new IndexSettings { Analyzer = "french", K1 = 0.9, B = 0.4 };
        using (var w = IndexWriter.Open(dir.Path, settings: french))
            w.Upsert(new[] { new SourceDocument("a", "", "les chevaux mangent des pommes", Array.Empty<string>()) });
        using (var w = IndexWriter.Open(dir.Path)) Assert.Equal(french, w.Settings); // none given: the recorded ones
        var e = Assert.Throws<IndexSettingsMismatchException>(() => IndexWriter.Open(dir.Path, settings: new IndexSettings()));
        Assert.Contains("analyzer 'french'", e.Message);
        Assert.Contains("analyzer 'english'", e.Message);
        using var s = IndexSearcher.Open(dir.Path);
        Assert.Equal(french, s.Stats().Settings);
        Assert.Equal(new[] { "a" }, Ids(s, "cheval pomme")); // French stemming at index and query time
    }

    [Fact]
    public void Unknown_analyzer_and_out_of_range_bm25_are_refused_and_create_nothing()
    {
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "idx");
        Assert.Contains("unknown analyzer 'klingon'", Assert.Throws<ArgumentException>(() => IndexWriter.Open(path, settings: new IndexSettings { Analyzer = "klingon" })).Message);
        Assert.Throws<ArgumentException>(() => IndexWriter.Open(path, settings: new IndexSettings { B = 1.5 }));
        Assert.False(Directory.Exists(path));
    }

    [Fact]
    public void English_folds_accents_strips_possessives_and_stems()
    {
        using var dir = new TempDirectory();
        using (var w = IndexWriter.Open(dir.Path))
            w.Upsert(new[] { new SourceDocument("a", "", "The bank's café charges fees", Array.Empty<string>()) });
        using var s = IndexSearcher.Open(dir.Path);
        Assert.Equal(new[] { "a" }, Ids(s, "bank"));
        Assert.Equal(new[] { "a" }, Ids(s, "cafe"));
        Assert.Equal(new[] { "a" }, Ids(s, "charged fee"));
    }

    [Fact]
    public void A_separate_boosted_title_field_is_an_option_recorded_like_the_others()
    {
        using var dir = new TempDirectory();
        using (var w = IndexWriter.Open(dir.Path, settings: new IndexSettings { TitleBoost = 2 }))
            w.Upsert(new[] { new SourceDocument("t", "Card arrival", "when", []), new SourceDocument("x", "Other", "card arrival is late", []) });
        using var s = IndexSearcher.Open(dir.Path);
        Assert.Equal(2, s.Stats().Settings.TitleBoost);
        Assert.Equal(new[] { "t", "x" }, Ids(s, "card arrival"));
    }

    [Fact]
    public void An_index_of_the_sqlite_store_is_refused_with_the_migrate_command()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(Path.Combine(dir.Path, "index.db"), [1, 2, 3]);
        var e = Assert.Throws<LegacyIndexException>(() => IndexSearcher.Open(dir.Path));
        Assert.Contains($"semsearch migrate --index {dir.Path}", e.Message);
        Assert.Throws<LegacyIndexException>(() => IndexWriter.Open(dir.Path));
        Assert.Equal(new[] { "index.db" }, Directory.GetFiles(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void A_truncated_segment_is_reported_with_checkindex_findings_and_nothing_is_overwritten()
    {
        using var dir = new TempDirectory();
        using (var w = IndexWriter.Open(dir.Path))
            w.Upsert(Enumerable.Range(0, 50).Select(i => new SourceDocument($"d{i}", "", $"text number {i}", Array.Empty<string>())).ToList());
        string segment = Directory.GetFiles(dir.Path, "*.cfs").Single();
        var bytes = File.ReadAllBytes(segment);
        File.WriteAllBytes(segment, bytes[..(bytes.Length / 2)]);
        var before = Directory.GetFiles(dir.Path).ToDictionary(f => f, f => File.ReadAllBytes(f));

        var e = Assert.Throws<CorruptIndexDirectoryException>(() => { using var s = IndexSearcher.Open(dir.Path); });
        Assert.Contains("CheckIndex", e.Message);
        Assert.Contains("Nothing was changed", e.Message);
        Assert.Throws<CorruptIndexDirectoryException>(() => IndexWriter.Open(dir.Path));
        var after = Directory.GetFiles(dir.Path).Where(f => !f.EndsWith("write.lock")).ToDictionary(f => f, f => File.ReadAllBytes(f));
        Assert.Equal(before.Keys.Where(f => !f.EndsWith("write.lock")).Order(), after.Keys.Order());
        foreach (var (f, b) in after) Assert.True(b.AsSpan().SequenceEqual(before[f]), $"{f} was changed");
    }
}
