using SemanticSearch.Index.Ingest;
using SemanticSearch.Index.Search;

namespace SemanticSearch.Index.Tests;

public class IngestTests
{
    private static (IngestReport report, List<string> warnings) Ingest(string indexDir, string input, IngestOptions? options = null)
    {
        var warnings = new List<string>();
        options ??= new IngestOptions();
        using var w = IndexWriter.Open(indexDir);
        var report = new CorpusIngestor(w, options, warnings.Add).Ingest(CorpusIngestor.OpenInput(input, options.Csv));
        return (report, warnings);
    }

    private static List<string> AllIds(string indexDir, string query)
    {
        using var s = IndexSearcher.Open(indexDir);
        return s.Search(new SearchRequest(query) { Top = 1000 }).Hits.Select(h => h.Id).Order(StringComparer.Ordinal).ToList();
    }

    [Fact]
    public void Jsonl_corpus_with_tags_and_metadata()
    {
        using var dir = new TempDirectory();
        string input = dir.Write("corpus.jsonl",
            "{\"_id\":\"d1\",\"title\":\"Alpha\",\"text\":\"first words\",\"tags\":[\"x\"],\"metadata\":{\"n\":1}}\n" +
            "\n" +
            "{\"_id\":2,\"text\":\"second words\"}\r\n");
        var (report, warnings) = Ingest(dir.File("idx"), input);
        Assert.Equal(2, report.Added);
        Assert.Empty(warnings);
        Assert.Equal(new[] { "2", "d1" }, AllIds(dir.File("idx"), "words"));
        using var s = IndexSearcher.Open(dir.File("idx"));
        var hit = s.Search(new SearchRequest("alpha") { Tags = new[] { "x" } }).Hits.Single();
        Assert.Equal("Alpha", hit.Title);
    }

    [Fact]
    public void Malformed_lines_are_skipped_with_file_and_line_when_asked()
    {
        using var dir = new TempDirectory();
        string input = dir.Write("corpus.jsonl",
            "{\"_id\":\"ok1\",\"text\":\"good\"}\n{\"_id\":\"bad\",\"text\":\n{\"text\":\"no id\"}\n{\"_id\":\"t\",\"text\":\"good\",\"tags\":\"notarray\"}\n{\"_id\":\"ok2\",\"text\":\"good\"}\n");
        var (report, warnings) = Ingest(dir.File("idx"), input, new IngestOptions { OnError = OnError.Skip });
        Assert.Equal(2, report.Added);
        Assert.Equal(3, report.Skipped);
        Assert.Contains(warnings, w => w.StartsWith(input + ":2:") && w.Contains("invalid JSON"));
        Assert.Contains(warnings, w => w.StartsWith(input + ":3:") && w.Contains("_id"));
        Assert.Contains(warnings, w => w.StartsWith(input + ":4:") && w.Contains("tags"));
        Assert.Equal(new[] { "ok1", "ok2" }, AllIds(dir.File("idx"), "good"));
    }

    [Fact]
    public void Fail_mode_stops_without_applying_the_bad_batch_and_keeps_earlier_data()
    {
        using var dir = new TempDirectory();
        string idx = dir.File("idx");
        Ingest(idx, dir.Write("first.jsonl", "{\"_id\":\"old\",\"text\":\"kept\"}\n"));
        string input = dir.Write("corpus.jsonl",
            "{\"_id\":\"a\",\"text\":\"batch one\"}\n{\"_id\":\"b\",\"text\":\"batch one\"}\n" +
            "{\"_id\":\"c\",\"text\":\"batch two\"}\n{\"_id\":\"old\",\"text\":\"overwritten\"}\n{oops\n");
        var e = Assert.Throws<CorpusFormatException>(() => Ingest(idx, input, new IngestOptions { BatchSize = 3, OnError = OnError.Fail }));
        Assert.Contains(input + ":5:", e.Message);
        Assert.Equal(new[] { "a", "b", "c" }, AllIds(idx, "batch")); // first batch (3 docs) committed
        Assert.Equal(new[] { "old" }, AllIds(idx, "kept"));
        Assert.Empty(AllIds(idx, "overwritten")); // second batch held the bad line: not applied
    }

    [Fact]
    public void Non_utf8_bytes_are_reported_with_file_and_line()
    {
        using var dir = new TempDirectory();
        string input = dir.File("corpus.jsonl");
        var bytes = new List<byte>();
        bytes.AddRange("{\"_id\":\"a\",\"text\":\"fine\"}\n"u8.ToArray());
        bytes.AddRange("{\"_id\":\"b\",\"text\":\"caf"u8.ToArray());
        bytes.Add(0xE9); // Latin-1 é
        bytes.AddRange("\"}\n{\"_id\":\"c\",\"text\":\"fine\"}\n"u8.ToArray());
        File.WriteAllBytes(input, bytes.ToArray());
        var e = Assert.Throws<CorpusFormatException>(() => Ingest(dir.File("idx"), input));
        Assert.Contains(input + ":2:", e.Message);
        Assert.Contains("UTF-8", e.Message);
        var (report, _) = Ingest(dir.File("idx2"), input, new IngestOptions { OnError = OnError.Skip });
        Assert.Equal(2, report.Added);
    }

    [Fact]
    public void Duplicate_ids_last_wins_with_a_warning()
    {
        using var dir = new TempDirectory();
        string input = dir.Write("c.jsonl", "{\"_id\":\"a\",\"text\":\"early\"}\n{\"_id\":\"b\",\"text\":\"x\"}\n{\"_id\":\"a\",\"text\":\"late\"}\n");
        var (report, warnings) = Ingest(dir.File("idx"), input, new IngestOptions { BatchSize = 1 });
        Assert.Equal(1, report.DuplicateIds);
        Assert.Contains(warnings, w => w.Contains("duplicate id 'a'") && w.Contains(":1") && w.StartsWith(input + ":3"));
        Assert.Empty(AllIds(dir.File("idx"), "early"));
        Assert.Equal(new[] { "a" }, AllIds(dir.File("idx"), "late"));
    }

    [Fact]
    public void Csv_with_rfc4180_quoting_and_named_columns()
    {
        using var dir = new TempDirectory();
        string input = dir.Write("c.csv",
            "key,body,category\n" +
            "1,\"hello, world\",greet\n" +
            "2,\"she said \"\"hi\"\"\nacross lines\",greet;talk\n" +
            "3,plain,other\n");
        var options = new IngestOptions { Csv = new CsvColumns(Id: "key", Text: "body", Tags: "category") };
        var (report, _) = Ingest(dir.File("idx"), input, options);
        Assert.Equal(3, report.Added);
        using var s = IndexSearcher.Open(dir.File("idx"));
        var hit = s.Search(new SearchRequest("across") { Tags = new[] { "talk" } }).Hits.Single();
        Assert.Equal("2", hit.Id);
        Assert.Equal(new[] { "greet", "talk" }, hit.Tags);
        Assert.Equal("1", s.Search(new SearchRequest("world")).Hits.Single().Id);
    }

    [Fact]
    public void Csv_errors_name_the_line_and_a_missing_column_names_the_option()
    {
        using var dir = new TempDirectory();
        string input = dir.Write("c.csv", "text,category\nfine,a\ntoo,many,fields\nbad\"quote,b\n\"unterminated,c\n");
        var (report, warnings) = Ingest(dir.File("idx"), input, new IngestOptions { OnError = OnError.Skip });
        Assert.Equal(1, report.Added);
        Assert.Contains(warnings, w => w.StartsWith(input + ":3:") && w.Contains("fields"));
        Assert.Contains(warnings, w => w.StartsWith(input + ":4:") && w.Contains("quote"));
        Assert.Contains(warnings, w => w.StartsWith(input + ":5:") && w.Contains("unterminated"));
        var e = Assert.Throws<CorpusFormatException>(() => Ingest(dir.File("idx"), input, new IngestOptions { Csv = new CsvColumns(Text: "body") }));
        Assert.Contains("no column named 'body'", e.Message);
    }

    [Fact]
    public void Banking77_csv_loads_with_row_numbers_as_ids()
    {
        string train = Path.Combine(TestData.SharedData, "banking77", "train.csv");
        using var dir = new TempDirectory();
        var (report, _) = Ingest(dir.File("idx"), train, new IngestOptions { Csv = new CsvColumns(Tags: "category") });
        Assert.Equal(10_003, report.Added);
        using var s = IndexSearcher.Open(dir.File("idx"));
        var hits = s.Search(new SearchRequest("card still hasn't arrived") { Top = 5 }).Hits;
        Assert.Equal(5, hits.Count);
        Assert.Contains(hits, h => h.Tags.Contains("card_arrival"));
    }

    [Fact]
    public void Folder_of_text_files_uses_relative_paths_as_ids()
    {
        using var dir = new TempDirectory();
        dir.Write("docs/a.txt", "the quick fox");
        dir.Write("docs/sub/b.md", "the lazy dog");
        dir.Write("docs/.hidden", "secret fox");
        var (report, _) = Ingest(dir.File("idx"), dir.File("docs"));
        Assert.Equal(2, report.Added);
        Assert.Equal(new[] { "a.txt", "sub/b.md" }, AllIds(dir.File("idx"), "quick lazy"));
    }

    [Fact]
    public void Unknown_input_type_and_missing_input_are_clear_errors()
    {
        using var dir = new TempDirectory();
        Assert.Throws<FileNotFoundException>(() => CorpusIngestor.OpenInput(dir.File("nope.jsonl"), new CsvColumns()));
        var e = Assert.Throws<ArgumentException>(() => CorpusIngestor.OpenInput(dir.Write("x.xml", "<a/>"), new CsvColumns()));
        Assert.Contains(".xml", e.Message);
    }
}

public class IngestReadAheadTests
{
    private static IEnumerable<CorpusEntry> FailingAfter(int good)
    {
        for (int i = 0; i < good; i++) yield return CorpusEntry.Ok("mem", i + 1, new SourceDocument($"d{i}", $"word{i} common"));
        throw new IOException("disk went away at record " + (good + 1));
    }

    [Fact]
    public void A_reader_failure_surfaces_with_its_type_after_the_batches_read_before_it()
    {
        using var dir = new TempDirectory();
        using var w = IndexWriter.Open(dir.Path);
        var ingestor = new CorpusIngestor(w, new IngestOptions { BatchSize = 2 }, _ => { });
        var e = Assert.Throws<IOException>(() => ingestor.Ingest(FailingAfter(5)));
        Assert.Contains("record 6", e.Message);
        Assert.Equal(4, w.CountDocuments()); // two full batches committed; the fifth record's batch never completed
    }

    [Fact]
    public void Records_arrive_in_input_order_and_a_later_duplicate_wins()
    {
        using var dir = new TempDirectory();
        using var w = IndexWriter.Open(dir.Path);
        var entries = Enumerable.Range(0, 5000).Select(i => CorpusEntry.Ok("mem", i + 1, new SourceDocument($"d{i % 3000}", $"version{i} common")));
        var report = new CorpusIngestor(w, new IngestOptions { BatchSize = 700 }, _ => { }).Ingest(entries);
        Assert.Equal(5000, report.Read);
        Assert.Equal(3000, w.CountDocuments());
        using var s = IndexSearcher.Open(dir.Path);
        Assert.Equal("d1999", Assert.Single(s.Search(new SearchRequest("version4999") { Snippets = false }).Hits).Id);
        Assert.Empty(s.Search(new SearchRequest("version1999") { Snippets = false }).Hits); // overwritten by record 4999
    }
}
