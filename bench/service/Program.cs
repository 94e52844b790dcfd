// Load and crash test of `semsearch serve` on loopback:
//   1. N concurrent clients search (keyword / vector / hybrid in turn) for S seconds while one client ingests
//      through Upsert streams; every failed call is counted (must be 0); p50/p99 per call.
//   2. kill -9 the server in the middle of ingestion, restart it, and check that every document whose
//      Upsert call was acknowledged is there.
// Usage: semsearch-service-bench [--seconds 60] [--clients 32] [--corpus 2000] [--semsearch PATH/semsearch.dll]
using System.Diagnostics;
using SemanticSearch.Bench.Service;
using SemanticSearch.Model;
using SemanticSearch.Model.Configuration;
using SemanticSearch.Service.Api.V1;
using SemanticSearch.Service.Client;

int seconds = Option("--seconds", 60), clients = Option("--clients", 32), corpus = Option("--corpus", 2000);
string semsearch = OptionString("--semsearch") ?? Path.Combine(AppContext.BaseDirectory, "semsearch.dll");
string repo = FindRepositoryRoot();
string root = Path.Combine(Path.GetTempPath(), "semsearch-service-bench-" + Environment.ProcessId);
string model = Path.Combine(root, "model"), index = Path.Combine(root, "index");
Directory.CreateDirectory(root);
try
{
    string vocab = Path.Combine(repo, "..", "shared", "data", "bert-base-uncased", "vocab.txt");
    // Small random model (2 layers, 64 wide): enough to exercise query encoding on every vector/hybrid call.
    RandomModelWriter.Write(model, vocab, new BertConfig
    {
        VocabSize = File.ReadLines(vocab).Count(), HiddenSize = 64, NumHiddenLayers = 2, NumAttentionHeads = 2, IntermediateSize = 128, MaxPositionEmbeddings = 128,
    });
    Console.WriteLine($"server: dotnet {semsearch} serve --index {index} --model {model} --port 0");
    var server = await ServerProcess.StartAsync(semsearch, "--index", index, "--model", model, "--port", "0");
    var client = new SearchServiceClient(server.Address);
    var seed = await client.UpsertAsync(Enumerable.Range(0, corpus).Select(i => BenchCorpus.Document("seed", i)));
    Console.WriteLine($"seeded {seed.Added} documents");

    // Reference: one client alone (no ingest), for the per-query cost without queueing.
    // Server CPU time per phase: unlike wall-clock latency, it does not depend on what else the machine runs.
    await LoadPhase.RunAsync(client, 1, TimeSpan.FromSeconds(3), ingest: false); // warm-up (JIT), not recorded
    string loadBefore = LoadAverage();
    var cpu0 = server.CpuTime;
    var single = await LoadPhase.RunAsync(client, 1, TimeSpan.FromSeconds(Math.Max(5, seconds / 6)), ingest: false);
    var cpu1 = server.CpuTime;
    // Phase 1: concurrent searches while ingesting.
    var load = await LoadPhase.RunAsync(client, clients, TimeSpan.FromSeconds(seconds));
    var cpu2 = server.CpuTime;
    string loadAfter = LoadAverage();
    // Phase 2: kill -9 during ingest, restart, verify.
    var crash = await CrashPhase.RunAsync(client, () => server.KillHard());
    client.Dispose();
    server.Dispose();
    server = await ServerProcess.StartAsync(semsearch, "--index", index, "--model", model, "--port", "0");
    using (var after = new SearchServiceClient(server.Address))
    {
        int missing = 0;
        foreach (var id in crash.AcknowledgedIds)
        {
            try { await after.GetAsync(id); }
            catch (Grpc.Core.RpcException e) when (e.StatusCode == Grpc.Core.StatusCode.NotFound) { missing++; }
        }
        var stats = await after.StatsAsync();
        Console.WriteLine();
        Console.WriteLine($"| phase | metric | value |");
        Console.WriteLine($"|---|---|---|");
        Console.WriteLine($"| machine | load average (1/5/15 min) before / after the load phase | {loadBefore} / {loadAfter} |");
        Console.WriteLine($"| single client, no ingest ({single.Elapsed.TotalSeconds:F0} s) | searches ok / failed | {single.SearchOk} / {single.SearchFailed} |");
        foreach (var (mode, p50, p99) in single.ByMode()) Console.WriteLine($"| | {mode} p50 / p99 | {p50:F1} / {p99:F1} ms |");
        Console.WriteLine($"| | server CPU per search (all modes) | {(cpu1 - cpu0).TotalMilliseconds / Math.Max(1, single.SearchOk):F2} ms |");
        Console.WriteLine($"| load ({clients} searchers + 1 ingester, {seconds} s) | searches ok / failed | {load.SearchOk} / {load.SearchFailed} |");
        Console.WriteLine($"| | search throughput | {load.SearchOk / load.Elapsed.TotalSeconds:F0} /s |");
        Console.WriteLine($"| | search latency p50 / p99 / max | {load.P(0.50):F1} / {load.P(0.99):F1} / {load.P(1.0):F1} ms |");
        foreach (var (mode, p50, p99) in load.ByMode()) Console.WriteLine($"| | {mode} p50 / p99 | {p50:F1} / {p99:F1} ms |");
        Console.WriteLine($"| | upsert calls ok / failed | {load.UpsertCalls} / {load.UpsertFailed} |");
        Console.WriteLine($"| | documents ingested meanwhile | {load.DocumentsIngested} |");
        Console.WriteLine($"| | server CPU during the phase (searches + ingest) | {(cpu2 - cpu1).TotalSeconds:F1} s |");
        Console.WriteLine($"| crash (kill -9 during ingest) | upsert calls acknowledged before the kill | {crash.AcknowledgedCalls} ({crash.AcknowledgedIds.Count} documents) |");
        Console.WriteLine($"| | calls cut by the kill | {crash.CutCalls} |");
        Console.WriteLine($"| | acknowledged documents missing after restart | {missing} |");
        Console.WriteLine($"| | documents after restart | {stats.Documents} |");
        server.Dispose();
        bool pass = single.SearchFailed == 0 && load.SearchFailed == 0 && load.UpsertFailed == 0 && missing == 0;
        Console.WriteLine(pass ? "RESULT: PASS (no failed calls, no lost acknowledged document)" : "RESULT: FAIL");
        return pass ? 0 : 1;
    }
}
finally
{
    try { Directory.Delete(root, recursive: true); } catch (IOException) { }
}

static string LoadAverage() =>
    File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

int Option(string name, int defaultValue) => OptionString(name) is { } s ? int.Parse(s) : defaultValue;

string? OptionString(string name)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

static string FindRepositoryRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        if (File.Exists(Path.Combine(dir.FullName, "SemanticSearch.sln"))) return dir.FullName;
    throw new DirectoryNotFoundException("run from inside the repository (SemanticSearch.sln not found above the binary)");
}
