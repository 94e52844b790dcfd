using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SemanticSearch.Index.Storage;
using SemanticSearch.Model.Heads;
using SemanticSearch.Service.Api.V1;
using SemanticSearch.Service.Hosting;

namespace SemanticSearch.Service.Tests;

/// <summary>
/// Tagging at ingest over gRPC: documents upserted to a server with a classifier head get the
/// labels that head assigns (the same the Classify call gives for their text), a predicted_tags
/// search finds exactly them, Stats reports the head and counts, a restart without --classifier
/// keeps tagging with the head the index records, and another head is refused at start-up.
/// </summary>
public sealed class ApiIngestTaggingTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "semsearch-api-tagging-" + Guid.NewGuid().ToString("N")[..8]);
    private string Model => Path.Combine(_root, "model");
    private string IndexDir => Path.Combine(_root, "index");

    public ApiIngestTaggingTests() => ApiTestCorpus.WriteTinyModel(Model, withClassifierHead: true); // threshold 0: every text gets its best label

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    private ProductServer Server(string? classifier, ILoggerFactory? loggers = null) => ProductServer.Create(
        new ServerSettings { IndexDirectory = IndexDir, ModelDirectory = Model, ClassifierDirectory = classifier, Port = 0, Searchers = 2 },
        loggers ?? NullLoggerFactory.Instance);

    private static string EmbeddingText(Document d) => d.Title.Length == 0 ? d.Text : d.Title + ". " + d.Text;

    [Fact]
    public async Task Upserted_documents_get_the_heads_labels_and_a_predicted_tag_search_finds_exactly_them()
    {
        var documents = ApiTestCorpus.Documents();
        Dictionary<string, string> expected;
        await using (var server = Server(Path.Combine(Model, ClassifierHead.DefaultFolderName)))
        {
            await server.StartAsync();
            using var client = new Client.SearchServiceClient(server.Address);
            Assert.Equal(documents.Count, (await client.UpsertAsync(documents)).Added);

            // Classify runs the same head on the same text: its decision is what ingest must have stored.
            var classify = new ClassifyRequest();
            classify.Texts.AddRange(documents.Select(EmbeddingText));
            var classified = (await client.ClassifyAsync(classify)).Results;
            expected = documents.Select((d, i) => (d.Id, Label: Assert.Single(classified[i].AssignedLabels))).ToDictionary(p => p.Id, p => p.Label);

            var all = await client.SearchAsync(new SearchRequest { Text = "card transfer", Mode = SearchMode.Vector, TopK = 100 });
            Assert.Equal(documents.Count, all.Hits.Count);
            foreach (var hit in all.Hits)
            {
                var tag = Assert.Single(hit.PredictedTags);
                Assert.Equal(expected[hit.Id], tag.Label);
                Assert.InRange(tag.Score, 0.0, 1.0);
            }

            foreach (var label in expected.Values.Distinct())
            {
                var search = new SearchRequest { Text = "card transfer", Mode = SearchMode.Vector, TopK = 100 };
                search.PredictedTags.Add(label);
                var found = await client.SearchAsync(search);
                Assert.Equal(expected.Where(e => e.Value == label).Select(e => e.Key).Order(), found.Hits.Select(h => h.Id).Order());
            }

            var stats = await client.StatsAsync();
            Assert.True(stats.TaggingAtIngest);
            Assert.Equal(16, stats.TaggingHeadId.Length);
            Assert.StartsWith(stats.TaggingHeadId, stats.TaggingHeadFingerprint);
            Assert.Equal(documents.Count, stats.PredictedByHeadDocuments);
            Assert.Equal(0, stats.PredictedUnknownDocuments);
            Assert.Equal(0, stats.PredictedUntaggedDocuments);
            Assert.Equal(0, stats.PredictedByOtherHeadsDocuments);
            Assert.Equal(expected.GroupBy(e => e.Value).ToDictionary(g => g.Key, g => (long)g.Count()),
                         stats.PredictedTagCounts.ToDictionary(c => c.Tag, c => c.Documents));
        }

        // Restarted without --classifier: the index records the head, which is the model's own head, so
        // upserts keep being tagged with it.
        await using (var server = Server(null))
        {
            await server.StartAsync();
            using var client = new Client.SearchServiceClient(server.Address);
            var extra = ApiTestCorpus.Doc("late", "Late card", "My replacement card has not arrived yet.");
            Assert.Equal(1, (await client.UpsertAsync([extra])).Added);
            var stats = await client.StatsAsync();
            Assert.True(stats.TaggingAtIngest);
            Assert.Equal(documents.Count + 1, stats.PredictedByHeadDocuments);
            Assert.Equal(0, stats.PredictedUntaggedDocuments);
            var classify = new ClassifyRequest();
            classify.Texts.Add(EmbeddingText(extra));
            string label = Assert.Single((await client.ClassifyAsync(classify)).Results[0].AssignedLabels);
            var search = new SearchRequest { Text = "replacement", Mode = SearchMode.Keyword, TopK = 10 };
            search.PredictedTags.Add(label);
            Assert.Equal("late", Assert.Single((await client.SearchAsync(search)).Hits).Id);
        }
    }

    [Fact]
    public async Task Another_head_is_refused_at_start_up_while_documents_carry_the_recorded_heads_tags()
    {
        await using (var server = Server(Model))
        {
            await server.StartAsync();
            using var client = new Client.SearchServiceClient(server.Address);
            await client.UpsertAsync(ApiTestCorpus.Documents().Take(3));
        }
        var modelHead = ClassifierHead.Load(Path.Combine(Model, ClassifierHead.DefaultFolderName));
        string otherFolder = Path.Combine(_root, "other-head");
        ClassifierHead.CreateInitialized(modelHead.Config, ApiTestCorpus.HeadLabels, seed: 11).Save(otherFolder);

        var e = Assert.Throws<ModelMismatchException>(() => Server(otherFolder));
        Assert.Contains("retag", e.Message);
        Assert.Contains(IndexDir, e.Message);

        // Nothing changed: the recorded head still serves (and still tags).
        await using (var server = Server(null))
        {
            await server.StartAsync();
            using var client = new Client.SearchServiceClient(server.Address);
            var stats = await client.StatsAsync();
            Assert.True(stats.TaggingAtIngest);
            Assert.Equal(3, stats.PredictedByHeadDocuments);
        }
    }

    [Fact]
    public async Task An_index_without_predicted_tags_is_not_tagged_implicitly_and_Stats_says_so()
    {
        await using var server = Server(null); // the model has a head, but the index records none
        await server.StartAsync();
        using var client = new Client.SearchServiceClient(server.Address);
        await client.UpsertAsync(ApiTestCorpus.Documents().Take(2));
        var stats = await client.StatsAsync();
        Assert.False(stats.TaggingAtIngest);
        Assert.Equal("", stats.TaggingHeadId);
        Assert.Equal(2, stats.PredictedUntaggedDocuments);
        Assert.Empty(stats.PredictedTagCounts);
    }

    [Fact]
    public async Task Without_the_models_head_the_recorded_head_folder_tags_and_a_missing_one_is_reported_and_tags_nothing()
    {
        string headFolder = Path.Combine(_root, "intent-head");
        Directory.Move(Path.Combine(Model, ClassifierHead.DefaultFolderName), headFolder); // the model itself has no head now
        await using (var server = Server(headFolder))
        {
            await server.StartAsync();
            using var client = new Client.SearchServiceClient(server.Address);
            await client.UpsertAsync(ApiTestCorpus.Documents().Take(2));
        }
        await using (var server = Server(null))
        {
            await server.StartAsync();
            using var client = new Client.SearchServiceClient(server.Address);
            await client.UpsertAsync(ApiTestCorpus.Documents().Skip(2).Take(1));
            var stats = await client.StatsAsync();
            Assert.True(stats.TaggingAtIngest);
            Assert.Equal(3, stats.PredictedByHeadDocuments);
        }

        // Retrained in place: the folder holds another head now, which must not tag next to the recorded one's tags.
        var recordedHead = ClassifierHead.Load(headFolder);
        Directory.Delete(headFolder, recursive: true);
        ClassifierHead.CreateInitialized(recordedHead.Config, ApiTestCorpus.HeadLabels, seed: 11).Save(headFolder);
        await AssertUpsertIsNotTagged(untaggedAfter: 1, "now holds another head");

        Directory.Delete(headFolder, recursive: true);
        await AssertUpsertIsNotTagged(untaggedAfter: 2, "is gone");

        async Task AssertUpsertIsNotTagged(int untaggedAfter, string reason)
        {
            var log = new CapturedLog();
            using var loggers = LoggerFactory.Create(b => b.AddProvider(log));
            await using (var server = Server(null, loggers))
            {
                await server.StartAsync();
                using var client = new Client.SearchServiceClient(server.Address);
                await client.UpsertAsync(ApiTestCorpus.Documents().Skip(2 + untaggedAfter).Take(1));
                var stats = await client.StatsAsync();
                Assert.False(stats.TaggingAtIngest);
                Assert.Equal(3, stats.PredictedByHeadDocuments);
                Assert.Equal(untaggedAfter, stats.PredictedUntaggedDocuments);
            }
            Assert.Contains(log.Warnings, m => m.Contains("cannot load") && m.Contains(headFolder) && m.Contains(reason) && m.Contains("--classifier"));
        }
    }

    [Fact]
    public void Serve_settings_take_the_classifier_folder()
    {
        var config = ServerSettings.BuildConfiguration([new("index", "idx"), new("classifier", "models/tagger")], _root);
        Assert.Equal("models/tagger", ServerSettings.From(config).ClassifierDirectory);
        Assert.Null(ServerSettings.From(ServerSettings.BuildConfiguration([new("index", "idx")], _root)).ClassifierDirectory);
    }

    private sealed class CapturedLog : ILoggerProvider, ILogger
    {
        public List<string> Warnings { get; } = new();
        public ILogger CreateLogger(string categoryName) => this;
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Warning) lock (Warnings) Warnings.Add(formatter(state, exception));
        }
        public void Dispose() { }
    }
}
