using SemanticSearch.Index;
using SemanticSearch.Index.Storage;

namespace SemanticSearch.Cli.Tests;

public class IndexCommandTests : IDisposable
{
    private readonly IndexCliHarness _h = new();
    public void Dispose() => _h.Dispose();

    private static object Doc(string id, string text, params string[] tags) => new { _id = id, title = "", text, tags };

    [Fact]
    public void Index_then_reindex_reports_added_then_unchanged()
    {
        string input = _h.WriteJsonl("c.jsonl", new[] { Doc("a", "alpha"), Doc("b", "beta") });
        string idx = _h.PathOf("idx");
        var first = IndexCliHarness.Run("index", "--index", idx, "--input", input);
        Assert.Equal(0, first.Code);
        Assert.Contains("2 added", first.Out);
        var second = IndexCliHarness.Run("index", "--index", idx, "--input", input);
        Assert.Equal(0, second.Code);
        Assert.Contains("0 added, 0 updated, 2 unchanged", second.Out);
    }

    [Fact]
    public void On_error_fail_exits_non_zero_naming_file_and_line_and_skip_goes_on()
    {
        string input = _h.PathOf("c.jsonl");
        File.WriteAllText(input, "{\"_id\":\"a\",\"text\":\"ok\"}\n{\"_id\":\"b\",\n{\"_id\":\"c\",\"text\":\"ok\"}\n");
        string idx = _h.PathOf("idx");
        var fail = IndexCliHarness.Run("index", "--index", idx, "--input", input, "--on-error", "fail");
        Assert.Equal(1, fail.Code);
        Assert.Contains($"{input}:2:", fail.Err);
        var skip = IndexCliHarness.Run("index", "--index", idx, "--input", input, "--on-error", "skip");
        Assert.Equal(0, skip.Code);
        Assert.Contains($"warning: {input}:2:", skip.Err);
        Assert.Contains("2 added", skip.Out);
    }

    [Fact]
    public void A_second_writer_gets_a_clear_error_and_nothing_is_lost()
    {
        string idx = _h.PathOf("idx");
        Assert.Equal(0, IndexCliHarness.Run("index", "--index", idx, "--input", _h.WriteJsonl("a.jsonl", new[] { Doc("a", "kept") })).Code);
        using (IndexWriter.Open(idx))
        {
            var r = IndexCliHarness.Run("index", "--index", idx, "--input", _h.WriteJsonl("b.jsonl", new[] { Doc("b", "new") }));
            Assert.Equal(1, r.Code);
            Assert.Contains("locked by another writer", r.Err);
            var d = IndexCliHarness.Run("delete", "--index", idx, "--id", "a");
            Assert.Equal(1, d.Code);
            Assert.Contains("locked by another writer", d.Err);
        }
        Assert.Single(IndexProbe.Records(idx), r => r.Id == "a");
    }

    [Fact]
    public void Delete_by_id_and_tag_and_stats()
    {
        string idx = _h.PathOf("idx");
        IndexCliHarness.Run("index", "--index", idx, "--input", _h.WriteJsonl("c.jsonl", new[] { Doc("a", "x", "t1"), Doc("b", "x", "t2"), Doc("c", "x", "t2"), Doc("d", "x") }));
        var byId = IndexCliHarness.Run("delete", "--index", idx, "--id", "a", "--id", "zz");
        Assert.Equal(0, byId.Code);
        Assert.Contains("deleted 1 document;", byId.Out);
        Assert.Contains("deleted 2 documents; 1 remain", IndexCliHarness.Run("delete", "--index", idx, "--tag", "t2").Out);
        var stats = IndexCliHarness.Run("stats", "--index", idx);
        Assert.Equal(0, stats.Code);
        Assert.Matches(@"documents\s+1\b", stats.Out);
        Assert.Contains("keyword-only", stats.Out);
        Assert.Equal(2, IndexCliHarness.Run("delete", "--index", idx).Code);
        Assert.Equal(1, IndexCliHarness.Run("delete", "--index", _h.PathOf("missing"), "--id", "a").Code);
        Assert.False(Directory.Exists(_h.PathOf("missing")));
    }

    [Fact]
    public void Csv_columns_are_selectable_from_the_command_line()
    {
        string input = _h.PathOf("c.csv");
        File.WriteAllText(input, "key,body,label\nk1,\"hello, there\",greet\n");
        string idx = _h.PathOf("idx");
        var r = IndexCliHarness.Run("index", "--index", idx, "--input", input, "--id-column", "key", "--text-column", "body", "--tags-column", "label");
        Assert.Equal(0, r.Code);
        var s = IndexCliHarness.Run("search", "--index", idx, "--query", "hello", "--tag", "greet");
        Assert.Contains("k1", s.Out);
        var bad = IndexCliHarness.Run("index", "--index", idx, "--input", input, "--text-column", "nope");
        Assert.Equal(1, bad.Code);
        Assert.Contains("no column named 'nope'", bad.Err);
    }

    [Fact]
    public void A_bare_index_name_lives_under_the_default_root()
    {
        Assert.Equal(Path.Combine("index", "banking"), IndexLocation.Resolve("banking"));
        Assert.Equal("./banking", IndexLocation.Resolve("./banking"));
        Assert.Equal("/data/idx", IndexLocation.Resolve("/data/idx"));
        Assert.Equal("a/b", IndexLocation.Resolve("a/b"));
        Assert.Throws<CommandLineException>(() => IndexLocation.Resolve(" "));
    }
}
