using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;
using SemanticSearch.Service.Api;
using SemanticSearch.Service.Api.V1;
using SemanticSearch.Service.Client;
using SemanticSearch.Service.Hosting;
using SemanticSearch.Service.Jobs;
using RpcStatus = Grpc.Core.StatusCode;

namespace SemanticSearch.Service.Tests;

/// <summary>
/// The review's findings, each reproduced against a running product server: what a hostile client
/// may name on the server's file system, how much memory one request may claim, who may write.
/// </summary>
public sealed class ApiSecurityTests : IAsyncLifetime
{
    private const string ReaderKey = "reader-key", AdminKey = "admin-key";
    private readonly string _root = Path.Combine(Path.GetTempPath(), "semsearch-security-" + Guid.NewGuid().ToString("N")[..8]);
    private ProductServer _server = null!;
    private string DataRoot => Path.Combine(_root, "data");
    private string ModelRoot => Path.Combine(_root, "models");
    private SearchServiceClient Admin() => new(_server.Address, AdminKey);

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(DataRoot);
        Directory.CreateDirectory(ModelRoot);
        ApiTestCorpus.WriteTinyModel(Path.Combine(_root, "model"));
        _server = ProductServer.Create(new ServerSettings
        {
            IndexDirectory = Path.Combine(_root, "index"), ModelDirectory = Path.Combine(_root, "model"), Port = 0, Searchers = 2,
            ApiKey = ReaderKey, AdminKey = AdminKey, DataRoot = DataRoot, ModelRoots = [ModelRoot],
        }, NullLoggerFactory.Instance);
        await _server.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    private static StartFineTuneRequest FromServerFile(string path, int batchSize = 2) =>
        new() { ServerFile = path, Options = new TrainingOptions { BatchSize = batchSize, Epochs = 1 } };

    private static async Task<Grpc.Core.RpcException> Refused(Func<Task> call) => await Assert.ThrowsAsync<Grpc.Core.RpcException>(call);

    [Fact]
    public async Task Server_files_outside_the_data_root_or_not_regular_files_are_refused_without_hanging()
    {
        using var client = Admin();
        File.WriteAllText(Path.Combine(_root, "outside.jsonl"), "{\"anchor\":\"a\",\"positive\":\"b\"}\n");
        File.CreateSymbolicLink(Path.Combine(DataRoot, "link.jsonl"), Path.Combine(_root, "outside.jsonl"));
        File.WriteAllText(Path.Combine(DataRoot, "empty.jsonl"), "");
        string fifo = Path.Combine(DataRoot, "pipe.jsonl");
        using (var mkfifo = Process.Start("mkfifo", [fifo])) { mkfifo.WaitForExit(); Assert.Equal(0, mkfifo.ExitCode); }
        foreach (var path in new[] { "../outside.jsonl", Path.Combine(_root, "outside.jsonl"), "/etc/passwd", "/dev/zero", "link.jsonl", "empty.jsonl", "pipe.jsonl", "." })
        {
            var e = await Refused(() => client.StartFineTuneAsync(FromServerFile(path), SearchServiceClient.Within(TimeSpan.FromSeconds(20))));
            Assert.True(e.StatusCode is RpcStatus.InvalidArgument or RpcStatus.PermissionDenied, $"{path}: {e.StatusCode}");
            Assert.DoesNotContain(_root, e.Status.Detail.Replace(path, "")); // the resolved server path is never shown
        }
    }

    [Fact]
    public async Task A_failed_job_reading_a_server_file_never_quotes_its_content()
    {
        using var client = Admin();
        File.WriteAllText(Path.Combine(DataRoot, "secret.jsonl"), "TOP-SECRET-LINE not json\nTOP-SECRET-LINE again\n");
        var job = await client.StartFineTuneAsync(FromServerFile("secret.jsonl"));
        JobInfo? last = null;
        await foreach (var e in client.WatchJobAsync(job.JobId, SearchServiceClient.Within(TimeSpan.FromMinutes(2)))) last = e.Job;
        Assert.Equal(JobState.Failed, last!.State);
        Assert.DoesNotContain("TOP-SECRET", last.Message);
        Assert.DoesNotContain(DataRoot, last.Message);
        Assert.Contains("line 1", last.Message);
    }

    [Fact]
    public async Task Server_files_are_off_unless_a_data_root_is_configured()
    {
        var paths = new ServerPaths(new ServerSettings { IndexDirectory = Path.Combine(_root, "index") });
        var e = Assert.Throws<ServiceException>(() => paths.ServerFile("pairs.jsonl"));
        Assert.Equal(RpcStatus.PermissionDenied, e.Status);
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Model_paths_outside_the_model_roots_are_refused()
    {
        using var client = Admin();
        foreach (var path in new[] { Path.Combine(_root, "model"), "../model", "/", "/etc" })
        {
            var e = await Refused(() => client.ActivateModelAsync(new ActivateModelRequest { ModelPath = path }));
            Assert.True(e.StatusCode is RpcStatus.InvalidArgument or RpcStatus.PermissionDenied, $"{path}: {e.StatusCode} {e.Status.Detail}");
        }
    }

    [Fact]
    public async Task A_fine_tuning_batch_over_the_memory_budget_is_RESOURCE_EXHAUSTED()
    {
        using var client = Admin();
        var request = new StartFineTuneRequest { Pairs = new PairList(), Options = new TrainingOptions { BatchSize = 4096 } };
        for (int i = 0; i < 4096; i++) request.Pairs.Pairs.Add(new TrainingPair { TextA = $"q{i}", TextB = $"a{i}" });
        var e = await Refused(() => client.StartFineTuneAsync(request));
        Assert.Equal(RpcStatus.ResourceExhausted, e.StatusCode);
        Assert.Contains("batch_size 4096", e.Status.Detail);
        Assert.Empty((await client.ListJobsAsync()).Jobs);
    }

    [Fact]
    public async Task With_an_admin_key_the_api_key_reads_but_cannot_write()
    {
        using var reader = new SearchServiceClient(_server.Address, ReaderKey);
        var e = await Refused(() => reader.UpsertAsync(ApiTestCorpus.Documents()));
        Assert.Equal(RpcStatus.PermissionDenied, e.StatusCode);
        Assert.Equal(RpcStatus.PermissionDenied, (await Refused(() => reader.DeleteAsync(new DeleteRequest { Tag = "x" }))).StatusCode);
        using var admin = Admin();
        Assert.Equal(ApiTestCorpus.Documents().Count, (await admin.UpsertAsync(ApiTestCorpus.Documents())).Added);
        Assert.Equal(ApiTestCorpus.Documents().Count, (await reader.StatsAsync()).Documents);
    }

    [Fact]
    public async Task Documents_over_a_field_budget_are_refused_one_by_one_and_the_rest_is_stored()
    {
        using var client = Admin();
        var huge = ApiTestCorpus.Doc("huge", "", new string('w', UpsertBatcher.MaxTextChars + 1));
        var manyTags = ApiTestCorpus.Doc("tags", "", "text", Enumerable.Range(0, UpsertBatcher.MaxTags + 1).Select(i => $"t{i}").ToArray());
        var longTitle = ApiTestCorpus.Doc("title", new string('t', UpsertBatcher.MaxTitleChars + 1), "text");
        var fine = ApiTestCorpus.Doc("fine", "Fine", "a normal document");
        var response = await client.UpsertAsync([huge, manyTags, longTitle, fine]);
        Assert.Equal((3L, 1L), (response.Failed, response.Added));
        Assert.Contains(response.Errors, err => err.Id == "huge" && err.Message.Contains("at most"));
    }

    [Fact]
    public async Task An_oversized_query_text_is_INVALID_ARGUMENT()
    {
        using var client = new SearchServiceClient(_server.Address, ReaderKey);
        var e = await Refused(() => client.SearchAsync(new SearchRequest { Text = new string('q', SearchRequestMapper.MaxQueryChars + 1), Mode = SearchMode.Keyword }));
        Assert.Equal(RpcStatus.InvalidArgument, e.StatusCode);
    }

    [Fact]
    public void A_search_response_over_its_byte_budget_is_RESOURCE_EXHAUSTED_rather_than_built()
    {
        var hits = Enumerable.Range(1, 100).Select(i => new Index.Search.SearchHit(i, $"d{i}", new string('t', 1000), "", 1.0, null, null, [])).ToList();
        var results = new Index.Search.SearchResults(hits, Index.Search.SearchMode.Keyword);
        var e = Assert.Throws<Grpc.Core.RpcException>(() => SearchRequestMapper.ToResponse(results, 0, maxBytes: 50_000));
        Assert.Equal(RpcStatus.ResourceExhausted, e.StatusCode);
        Assert.Equal(100, SearchRequestMapper.ToResponse(results, 0, maxBytes: 200_000).Hits.Count);
    }

    [Fact]
    public void Keys_come_from_a_file_so_that_they_stay_out_of_ps()
    {
        string file = Path.Combine(_root, "key.txt");
        File.WriteAllText(file, "  from-file\n");
        IConfiguration Config(params (string, string)[] pairs) => new ConfigurationBuilder()
            .AddInMemoryCollection(pairs.Select(p => new KeyValuePair<string, string?>(p.Item1, p.Item2)).Prepend(new("index", _root))).Build();
        Assert.Equal("from-file", ServerSettings.From(Config(("api-key-file", file))).ApiKey);
        Assert.Equal("from-file", ServerSettings.From(Config(("admin-key-file", file), ("api-key", "other"))).AdminKey);
        Assert.Throws<ArgumentException>(() => ServerSettings.From(Config(("api-key-file", file), ("api-key", "x"))));
        Assert.Throws<ArgumentException>(() => ServerSettings.From(Config(("api-key-file", Path.Combine(_root, "missing")))));
    }

    [Fact]
    public async Task Job_descriptions_are_capped_and_ListJobs_pages()
    {
        using var client = Admin();
        var tooLong = new StartFineTuneRequest { Description = new string('d', 2000), Pairs = new PairList() };
        tooLong.Pairs.Pairs.Add(new TrainingPair { TextA = "a", TextB = "b" });
        Assert.Equal(RpcStatus.InvalidArgument, (await Refused(() => client.StartFineTuneAsync(tooLong))).StatusCode);
        for (int i = 0; i < 3; i++)
        {
            // batch_size over the pair count: each job fails at once, which is all this test needs.
            var failing = new StartFineTuneRequest { Description = $"job {i}", Pairs = new PairList(), Options = new TrainingOptions { BatchSize = 8 } };
            failing.Pairs.Pairs.Add(new TrainingPair { TextA = "a", TextB = "b" });
            await client.StartFineTuneAsync(failing);
        }
        var first = await client.FineTune.ListJobsAsync(new ListJobsRequest { PageSize = 2 });
        Assert.Equal(2, first.Jobs.Count);
        Assert.NotEmpty(first.NextPageToken);
        var second = await client.FineTune.ListJobsAsync(new ListJobsRequest { PageSize = 2, PageToken = first.NextPageToken });
        Assert.Single(second.Jobs);
        Assert.Empty(second.NextPageToken);
        Assert.Equal(3, first.Jobs.Concat(second.Jobs).Select(j => j.JobId).Distinct().Count());
        Assert.Equal(RpcStatus.InvalidArgument, (await Refused(() => client.FineTune.ListJobsAsync(new ListJobsRequest { PageSize = 5000 }).ResponseAsync)).StatusCode);
    }
}
