using SemanticSearch.Model;
using SemanticSearch.Model.Configuration;

namespace SemanticSearch.Cli.Tests;

public class SearchCommandTests : IDisposable
{
    private readonly IndexCliHarness _h = new();
    private readonly string _idx;

    public SearchCommandTests()
    {
        _idx = _h.PathOf("idx");
        var docs = new List<object>
        {
            new { _id = "lost", title = "Lost card", text = "I lost my card yesterday", tags = new[] { "card" } },
            new { _id = "pin", title = "PIN", text = "how do I change my pin", tags = new[] { "security" } },
            new { _id = "topup", title = "Top up", text = "my top up failed", tags = new[] { "money" } },
        };
        for (int i = 0; i < 25; i++) docs.Add(new { _id = $"f{i:D2}", title = "", text = $"card filler {i}", tags = new[] { "filler" } });
        var r = IndexCliHarness.Run("index", "--index", _idx, "--input", _h.WriteJsonl("c.jsonl", docs));
        Assert.Equal(0, r.Code);
    }

    public void Dispose() => _h.Dispose();

    [Fact]
    public void Keyword_search_prints_a_table_with_highlights()
    {
        var r = IndexCliHarness.Run("search", "--index", _idx, "--query", "lost card", "--top", "3");
        Assert.Equal(0, r.Code);
        var lines = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("rank", lines[0].Trim());
        Assert.Equal(4, lines.Length);
        Assert.Contains("lost", lines[1]);
        Assert.Contains("[lost]", lines[1], StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("\"")]
    [InlineData("NEAR(")]
    [InlineData("(((")]
    [InlineData("-*:")]
    [InlineData("🙂 AND OR")]
    public void Nasty_queries_succeed(string q)
    {
        var r = IndexCliHarness.Run("search", "--index", _idx, "--query", q);
        Assert.Equal(0, r.Code);
    }

    [Theory]
    [InlineData(2, "--query", "")]
    [InlineData(2, "--query", "x", "--top", "0")]
    [InlineData(2, "--query", "x", "--top", "10001")]
    [InlineData(2, "--query", "x", "--mode", "fuzzy")]
    [InlineData(2, "--query", "x", "--offset", "-1")]
    [InlineData(1, "--query", "x", "--mode", "vector")]
    [InlineData(1, "--query", "NEAR(", "--advanced")]
    public void Bad_requests_fail_with_a_message(int code, params string[] rest)
    {
        var r = IndexCliHarness.Run(new[] { "search", "--index", _idx }.Concat(rest).ToArray());
        Assert.Equal(code, r.Code);
        Assert.StartsWith("semsearch search:", r.Err);
        Assert.Equal(28L, IndexProbe.Documents(_idx));
    }

    [Fact]
    public void Missing_index_is_an_error_and_is_not_created()
    {
        var r = IndexCliHarness.Run("search", "--index", _h.PathOf("nope"), "--query", "x");
        Assert.Equal(1, r.Code);
        Assert.Contains("does not exist", r.Err);
        Assert.False(Directory.Exists(_h.PathOf("nope")));
    }

    [Fact]
    public void Paging_and_tag_filter()
    {
        string Ids(params string[] extra) => string.Join(",", IndexCliHarness.Run(new[] { "search", "--index", _idx, "--query", "card" }.Concat(extra).ToArray())
            .Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[4]));
        var all = Ids("--top", "20").Split(',');
        Assert.Equal(string.Join(",", all.Skip(5).Take(5)), Ids("--top", "5", "--offset", "5"));
        Assert.Equal("lost", Ids("--top", "1", "--tag", "card"));
    }

    [Fact]
    public void Batch_queries_write_a_trec_run_that_eval_scores()
    {
        string queries = _h.WriteJsonl("q.jsonl", new object[] { new { _id = "q1", text = "lost card" }, new { _id = "q2", text = "change pin" }, new { _id = "q3", text = "?!" } });
        string run = _h.PathOf("run.txt");
        var r = IndexCliHarness.Run("search", "--index", _idx, "--queries", queries, "--run", run);
        Assert.Equal(0, r.Code);
        var lines = File.ReadAllLines(run);
        Assert.StartsWith("q1 Q0 lost 1 ", lines[0]);
        Assert.EndsWith(" semsearch", lines[0]);
        Assert.Contains(lines, l => l.StartsWith("q2 Q0 pin 1 "));
        Assert.DoesNotContain(lines, l => l.StartsWith("q3 "));
        string qrels = _h.PathOf("qrels.tsv");
        File.WriteAllText(qrels, "query-id\tcorpus-id\tscore\nq1\tlost\t1\nq2\tpin\t1\nq3\ttopup\t1\n");
        var e = IndexCliHarness.Run("eval", "--qrels", qrels, "--run", run);
        Assert.Equal(0, e.Code);
        Assert.Contains("MRR@10       0.6667", e.Out); // 1, 1, 0 (q3 had no results)
        Assert.Contains("1 of 3 judged queries have no results", e.Err);
    }

    [Fact]
    public void Vector_and_hybrid_use_the_recorded_model_and_refuse_another()
    {
        var config = new BertConfig { VocabSize = 30522, HiddenSize = 32, NumHiddenLayers = 1, NumAttentionHeads = 4, IntermediateSize = 64, MaxPositionEmbeddings = 64 };
        string vocab = Path.Combine(IndexCliHarness.SharedData, "bert-base-uncased", "vocab.txt");
        RandomModelWriter.Write(_h.PathOf("model"), vocab, config, new RandomModelOptions { Seed = 1, MaxSeqLength = 16 });
        RandomModelWriter.Write(_h.PathOf("other"), vocab, config, new RandomModelOptions { Seed = 2, MaxSeqLength = 16 });
        string idx = _h.PathOf("vidx");
        string input = _h.WriteJsonl("v.jsonl", new object[] { new { _id = "a", text = "my card is lost" }, new { _id = "b", text = "exchange rate for dollars" } });
        var ix = IndexCliHarness.Run("index", "--index", idx, "--input", input, "--model", _h.PathOf("model"));
        Assert.True(ix.Code == 0, ix.Err);
        Assert.Contains("2 windows embedded", ix.Out);
        var v = IndexCliHarness.Run("search", "--index", idx, "--query", "my card is lost", "--mode", "vector");
        Assert.True(v.Code == 0, v.Err);
        Assert.Contains(" a ", v.Out.Split('\n')[1]);
        Assert.Contains("1.0000", v.Out.Split('\n')[1]);
        var hy = IndexCliHarness.Run("search", "--index", idx, "--query", "dollars", "--mode", "hybrid", "--fusion", "linear", "--alpha", "0.3");
        Assert.Equal(0, hy.Code);
        Assert.Contains(" b ", hy.Out.Split('\n')[1]);
        var like = IndexCliHarness.Run("search", "--index", idx, "--like", "a");
        Assert.Equal(0, like.Code);
        Assert.Contains(" b ", like.Out.Split('\n')[1]);
        var mismatch = IndexCliHarness.Run("search", "--index", idx, "--query", "x", "--mode", "vector", "--model", _h.PathOf("other"));
        Assert.Equal(1, mismatch.Code);
        Assert.Contains("was built with model", mismatch.Err);
        // Re-indexing without --model reuses the model the index recorded (issue 12: it used to be refused).
        var noModel = IndexCliHarness.Run("index", "--index", idx, "--input", input);
        Assert.True(noModel.Code == 0, noModel.Err);
        Assert.Contains("(recorded in the index)", noModel.Err);
    }
}
