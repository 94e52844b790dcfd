using Microsoft.Extensions.Logging.Abstractions;
using SemanticSearch.Model;
using SemanticSearch.Model.Configuration;
using SemanticSearch.Service.Hosting;

namespace SemanticSearch.Cli.Tests;

/// <summary>
/// `index/search/delete/stats --server URL` against a real product server hosted in the test
/// process: remote search must print exactly what local search prints on the same index.
/// </summary>
public sealed class RemoteCommandTests : IAsyncLifetime
{
    private readonly IndexCliHarness _h = new();
    private ProductServer _server = null!;
    private string _idx = null!;
    private string Url => _server.Address.ToString();

    public async Task InitializeAsync()
    {
        var config = new BertConfig { VocabSize = 30522, HiddenSize = 32, NumHiddenLayers = 1, NumAttentionHeads = 4, IntermediateSize = 64, MaxPositionEmbeddings = 64 };
        string vocab = Path.Combine(IndexCliHarness.SharedData, "bert-base-uncased", "vocab.txt");
        RandomModelWriter.Write(_h.PathOf("model"), vocab, config, new RandomModelOptions { Seed = 1, MaxSeqLength = 16 });
        _idx = _h.PathOf("idx");
        _server = ProductServer.Create(new ServerSettings { IndexDirectory = _idx, ModelDirectory = _h.PathOf("model"), Port = 0, Searchers = 2 }, NullLoggerFactory.Instance);
        await _server.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _h.Dispose();
    }

    private string Corpus(int fillers = 20)
    {
        var docs = new List<object>
        {
            new { _id = "lost", title = "Lost card", text = "I lost my card yesterday", tags = new[] { "card" } },
            new { _id = "pin", title = "PIN", text = "how do I change my pin", tags = new[] { "security" } },
            new { _id = "rate", title = "", text = "exchange rate for dollars", tags = new[] { "money" } },
        };
        for (int i = 0; i < fillers; i++) docs.Add(new { _id = $"f{i:D2}", title = "", text = $"card filler {i}", tags = new[] { "filler" } });
        return _h.WriteJsonl("c.jsonl", docs);
    }

    [Fact]
    public void Remote_index_then_search_prints_the_same_table_as_local_search()
    {
        var ix = IndexCliHarness.Run("index", "--server", Url, "--input", Corpus(), "--batch-size", "7");
        Assert.True(ix.Code == 0, ix.Err);
        Assert.Contains("23 added, 0 updated, 0 unchanged, 0 refused by the server, 0 skipped; 23 records", ix.Out);
        Assert.Contains("23 documents in index", ix.Out);

        foreach (var options in new[]
                 {
                     new[] { "--query", "lost card", "--top", "5" },
                     new[] { "--query", "card", "--tag", "filler", "--offset", "2", "--top", "3" },
                     new[] { "--query", "my card is lost", "--mode", "vector" },
                     new[] { "--query", "dollars", "--mode", "hybrid", "--fusion", "linear", "--alpha", "0.3" },
                     new[] { "--like", "lost", "--top", "4" },
                 })
        {
            var local = IndexCliHarness.Run(["search", "--index", _idx, .. options]);
            var remote = IndexCliHarness.Run(["search", "--server", Url, .. options]);
            Assert.True(remote.Code == 0, remote.Err);
            Assert.Equal(0, local.Code);
            Assert.Equal(local.Out, remote.Out);
            Assert.NotEqual("no results", remote.Out.Trim());
        }
        // remote-search stays as an alias.
        var alias = IndexCliHarness.Run("remote-search", "--server", Url, "--query", "lost card", "--top", "5");
        Assert.Equal(IndexCliHarness.Run("search", "--index", _idx, "--query", "lost card", "--top", "5").Out, alias.Out);
    }

    [Fact]
    public void Remote_search_passes_predicted_tag_filters_and_refuses_what_local_search_refuses()
    {
        Assert.Equal(0, IndexCliHarness.Run("index", "--server", Url, "--input", Corpus()).Code);
        // Nothing in this index was tagged by a head, so the filter leaves nothing — on both sides.
        string[] filtered = ["--query", "card", "--predicted-tag", "card_arrival", "--min-confidence", "0.5"];
        var local = IndexCliHarness.Run(["search", "--index", _idx, .. filtered]);
        var remote = IndexCliHarness.Run(["search", "--server", Url, .. filtered]);
        Assert.True(remote.Code == 0, remote.Err);
        Assert.Equal(local.Out, remote.Out);
        Assert.Equal("no results", remote.Out.Trim());

        var noTag = IndexCliHarness.Run("search", "--server", Url, "--query", "card", "--min-confidence", "0.5");
        Assert.NotEqual(0, noTag.Code);
        Assert.Contains("--min-confidence needs --predicted-tag", noTag.Err);
        var like = IndexCliHarness.Run("search", "--server", Url, "--like", "lost", "--predicted-tag", "x");
        Assert.NotEqual(0, like.Code);
        Assert.Contains("--predicted-tag does not apply to --like", like.Err);
    }

    [Fact]
    public void Remote_query_file_writes_the_same_trec_run_as_local()
    {
        Assert.Equal(0, IndexCliHarness.Run("index", "--server", Url, "--input", Corpus()).Code);
        string queries = _h.WriteJsonl("q.jsonl", new object[] { new { _id = "q1", text = "lost card" }, new { _id = "q2", text = "pin change" }, new { _id = "q3", text = "?!" } });
        var local = IndexCliHarness.Run("search", "--index", _idx, "--queries", queries, "--run", _h.PathOf("local.run"), "--mode", "hybrid");
        var remote = IndexCliHarness.Run("search", "--server", Url, "--queries", queries, "--run", _h.PathOf("remote.run"), "--mode", "hybrid");
        Assert.True(remote.Code == 0, remote.Err);
        Assert.Equal(0, local.Code);
        Assert.Equal(File.ReadAllText(_h.PathOf("local.run")), File.ReadAllText(_h.PathOf("remote.run")));
        Assert.Contains("3 queries", remote.Out);
    }

    [Fact]
    public void Remote_stats_and_delete_report_what_the_server_holds()
    {
        Assert.Equal(0, IndexCliHarness.Run("index", "--server", Url, "--input", Corpus(fillers: 2)).Code);
        var stats = IndexCliHarness.Run("stats", "--server", Url);
        Assert.True(stats.Code == 0, stats.Err);
        Assert.Contains("documents     5", stats.Out);
        Assert.Contains("vectors       5 (token windows)", stats.Out);
        Assert.Contains("vector search available", stats.Out);
        Assert.Contains("predicted     none", stats.Out); // the served index has no predicted tags

        var byId = IndexCliHarness.Run("delete", "--server", Url, "--id", "lost", "--id", "nope");
        Assert.True(byId.Code == 0, byId.Err);
        Assert.Contains("deleted 1 document; 4 remain", byId.Out);
        var byTag = IndexCliHarness.Run("delete", "--server", Url, "--tag", "filler");
        Assert.Contains("deleted 2 documents; 2 remain", byTag.Out);
        Assert.Contains("no results", IndexCliHarness.Run("search", "--server", Url, "--query", "lost", "--mode", "keyword").Out);
    }

    [Fact]
    public void Remote_errors_name_the_server_status_and_bad_input_follows_on_error()
    {
        string bad = _h.PathOf("bad.jsonl");
        File.WriteAllLines(bad, new[] { "{\"_id\":\"ok1\",\"text\":\"fine\"}", "{not json", "{\"_id\":\"ok2\",\"text\":\"also fine\"}" });
        var fail = IndexCliHarness.Run("index", "--server", Url, "--input", bad, "--batch-size", "10");
        Assert.Equal(1, fail.Code);
        Assert.Contains("bad.jsonl:2", fail.Err);
        Assert.Contains("documents     0", IndexCliHarness.Run("stats", "--server", Url).Out); // the pending call was never sent

        var skip = IndexCliHarness.Run("index", "--server", Url, "--input", bad, "--on-error", "skip");
        Assert.True(skip.Code == 0, skip.Err);
        Assert.Contains("warning: skipped", skip.Err);
        Assert.Contains("2 added", skip.Out);

        var missing = IndexCliHarness.Run("search", "--server", Url, "--like", "no-such-doc");
        Assert.Equal(1, missing.Code);
        Assert.Contains($"server {_server.Address} answered NOT_FOUND", missing.Err);
        Assert.Equal(2, IndexCliHarness.Run("search", "--server", Url, "--index", _idx, "--query", "x").Code);
        Assert.Equal(2, IndexCliHarness.Run("stats", "--server", "ftp://x").Code);
        Assert.Equal(2, IndexCliHarness.Run("index", "--server", Url, "--input", bad, "--model", _h.PathOf("model")).Code);
    }
}
