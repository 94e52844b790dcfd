using Microsoft.Extensions.Logging.Abstractions;
using SemanticSearch.Model;
using SemanticSearch.Service.Hosting;

namespace SemanticSearch.Cli.Tests;

/// <summary>
/// `semsearch activate --server URL` against a real product server hosted in the test process:
/// ActivateModel followed with WatchJob to the end, after which the server searches exactly like a
/// local index built with the new model.
/// </summary>
public sealed class ActivateRemoteCommandTests : IAsyncLifetime
{
    private readonly IndexCliHarness _h = new();
    private static readonly string ModelA = ActivateCommandTests.FixtureModel("mini-max-bin");
    private static readonly string ModelB = ActivateCommandTests.FixtureModel("mini-mean-f32");
    private ProductServer _server = null!;
    private string Url => _server.Address.ToString();

    public async Task InitializeAsync()
    {
        _server = ProductServer.Create(new ServerSettings { IndexDirectory = _h.PathOf("served"), ModelDirectory = ModelA, Port = 0, Searchers = 2, ModelRoots = [Path.GetDirectoryName(ModelB)!] }, NullLoggerFactory.Instance);
        await _server.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _h.Dispose();
    }

    [Fact]
    public void Remote_activate_follows_the_activation_and_the_server_then_searches_with_the_new_model()
    {
        string corpus = _h.WriteJsonl("c.jsonl", Enumerable.Range(0, 40).Select(i => (object)new { _id = $"d{i:D2}", title = "", text = i % 2 == 0 ? $"lost card {i}" : $"exchange rate {i} dollars" }));
        Assert.Equal(0, IndexCliHarness.Run("index", "--server", Url, "--input", corpus).Code);
        string direct = _h.PathOf("direct");
        Assert.Equal(0, IndexCliHarness.Run("index", "--index", direct, "--input", corpus, "--model", ModelB).Code);
        string fpA = SentenceEncoder.Load(ModelA).Fingerprint, fpB = SentenceEncoder.Load(ModelB).Fingerprint;

        var r = IndexCliHarness.Run("activate", "--server", Url, "--model", ModelB);
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("40 documents re-embedded", r.Out);
        Assert.Contains($"40 documents and 40 windows in index", r.Out);
        Assert.Contains($"model {fpA} → {fpB}", r.Out);
        Assert.Contains("activation act-", r.Err);
        Assert.Contains($"fingerprint {fpB}", IndexCliHarness.Run("stats", "--server", Url).Out);
        foreach (var q in new[] { new[] { "--query", "lost card", "--mode", "vector", "--top", "10" }, ["--query", "dollars", "--mode", "hybrid", "--top", "5"] })
        {
            var remote = IndexCliHarness.Run(["search", "--server", Url, .. q]);
            Assert.True(remote.Code == 0, remote.Err);
            Assert.Equal(IndexCliHarness.Run(["search", "--index", direct, .. q]).Out, remote.Out);
        }

        var again = IndexCliHarness.Run("activate", "--server", Url, "--model", ModelB);
        Assert.True(again.Code == 0, again.Err);
        Assert.Contains("nothing to re-embed", again.Out);

        var missing = IndexCliHarness.Run("activate", "--server", Url, "--model", _h.PathOf("no-model"));
        Assert.Equal(1, missing.Code);
        Assert.Contains("INVALID_ARGUMENT", missing.Err);
        Assert.Equal(2, IndexCliHarness.Run("activate", "--server", Url).Code);
        Assert.Equal(2, IndexCliHarness.Run("activate", "--server", Url, "--model", ModelB, "--threads", "2").Code);
    }
}
