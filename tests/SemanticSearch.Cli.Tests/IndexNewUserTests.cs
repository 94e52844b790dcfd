namespace SemanticSearch.Cli.Tests;

/// <summary>One test changes the process's current directory: run alone.</summary>
[CollectionDefinition(nameof(CurrentDirectoryCollection), DisableParallelization = true)]
public sealed class CurrentDirectoryCollection;

/// <summary>What a new user tripped over (issue 12, item 7): one id rule, one empty-text rule, path resolution, the recorded model, prune, dry runs.</summary>
[Collection(nameof(CurrentDirectoryCollection))]
public sealed class IndexNewUserTests : IDisposable
{
    private readonly IndexCliHarness _h = new();

    public void Dispose() => _h.Dispose();

    private string Corpus(string name, params string[] ids) =>
        _h.WriteJsonl(name, ids.Select(id => new { _id = id, title = "", text = $"text of {id} about cards" }));

    [Fact]
    public void Id_or__id_is_accepted_both_is_refused_and_encode_follows_the_same_rule()
    {
        string idx = _h.PathOf("idx");
        string plain = _h.WriteJsonl("plain.jsonl", new object[] { new { id = "a", text = "alpha" }, new { _id = "b", text = "beta" } });
        var r = IndexCliHarness.Run("index", "--index", idx, "--input", plain);
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("2 added", r.Out);
        string both = _h.WriteJsonl("both.jsonl", new object[] { new { id = "a", _id = "b", text = "x" } });
        var refused = IndexCliHarness.Run("index", "--index", idx, "--input", both);
        Assert.Equal(1, refused.Code);
        Assert.Contains("both.jsonl:1", refused.Err);
        Assert.Contains("both \"_id\" and \"id\"", refused.Err);

        string model = ActivateCommandTests.FixtureModel("mini-mean-f32");
        string output = _h.PathOf("out.jsonl");
        var enc = IndexCliHarness.Run("encode", "--model", model, "--input", plain, "--output", output);
        Assert.True(enc.Code == 0, enc.Err);
        var lines = File.ReadAllLines(output);
        Assert.Contains("\"b\"", lines[1]); // _id is the id, not a line number
    }

    [Fact]
    public void Empty_text_is_refused_with_file_and_line_and_a_refused_input_leaves_no_index_behind()
    {
        string idx = _h.PathOf("new-idx");
        string input = _h.WriteJsonl("empty.jsonl", new object[] { new { _id = "a", text = "  " } });
        var r = IndexCliHarness.Run("index", "--index", idx, "--input", input);
        Assert.Equal(1, r.Code);
        Assert.Contains("empty.jsonl:1", r.Err);
        Assert.Contains("text must not be empty", r.Err);
        Assert.False(Directory.Exists(idx));
    }

    [Fact]
    public void An_existing_folder_wins_over_index_NAME_and_the_path_is_printed()
    {
        string cwd = Environment.CurrentDirectory;
        try
        {
            Environment.CurrentDirectory = _h.Dir;
            Directory.CreateDirectory("shop");
            var r = IndexCliHarness.Run("index", "--index", "shop", "--input", Corpus("c.jsonl", "a"));
            Assert.True(r.Code == 0, r.Err);
            Assert.Contains($"index: {Path.Combine(_h.Dir, "shop")}", r.Err);
            Assert.True(SemanticSearch.Index.Storage.IndexFiles.IsIndex(Path.Combine(_h.Dir, "shop")));
            Assert.False(Directory.Exists(Path.Combine(_h.Dir, "index", "shop")));
            Assert.Equal(Path.Combine("index", "other"), IndexLocation.Resolve("other"));
        }
        finally { Environment.CurrentDirectory = cwd; }
    }

    [Fact]
    public void Reindexing_reuses_the_recorded_model_and_prune_removes_what_the_input_lost()
    {
        string model = ActivateCommandTests.FixtureModel("mini-mean-f32");
        string idx = _h.PathOf("idx");
        Assert.Equal(0, IndexCliHarness.Run("index", "--index", idx, "--input", Corpus("three.jsonl", "a", "b", "c"), "--model", model).Code);
        var again = IndexCliHarness.Run("index", "--index", idx, "--input", Corpus("two.jsonl", "a", "b"), "--prune");
        Assert.True(again.Code == 0, again.Err);
        Assert.Contains("(recorded in the index)", again.Err);
        Assert.Contains("2 unchanged", again.Out);
        Assert.Contains("1 pruned", again.Out);
        Assert.Contains("2 documents in index", again.Out);
        Assert.Equal(0, IndexCliHarness.Run("search", "--index", idx, "--query", "cards", "--mode", "hybrid").Code);
    }

    [Fact]
    public void Delete_dry_run_lists_what_would_go_and_changes_nothing()
    {
        string idx = _h.PathOf("idx");
        string input = _h.WriteJsonl("t.jsonl", new object[]
        {
            new { _id = "a", text = "one", tags = new[] { "old" } }, new { _id = "b", text = "two", tags = new[] { "old" } }, new { _id = "c", text = "three" },
        });
        Assert.Equal(0, IndexCliHarness.Run("index", "--index", idx, "--input", input).Code);
        var byTag = IndexCliHarness.Run("delete", "--index", idx, "--tag", "old", "--dry-run");
        Assert.True(byTag.Code == 0, byTag.Err);
        Assert.Equal(new[] { "a", "b" }, byTag.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("2 documents would be deleted of 3; nothing changed", byTag.Err);
        var byId = IndexCliHarness.Run("delete", "--index", idx, "--id", "c", "--id", "zzz", "--dry-run");
        Assert.Equal("c", byId.Out.Trim());
        Assert.Equal(3, IndexProbe.Documents(idx));
    }
}
