using System.Diagnostics;
using System.Text.Json;

namespace SemanticSearch.Cli.Tests;

/// <summary>
/// kill -9 of a real `semsearch index` process mid-ingest: the index must open, hold exactly the
/// batches committed before the kill, and a re-run must finish the rest without duplicates.
/// </summary>
public class IndexKillDurabilityTests : IDisposable
{
    private readonly IndexCliHarness _h = new();
    public void Dispose() => _h.Dispose();

    private const int Documents = 30_000;
    private const int BatchSize = 200;

    [Fact]
    public void Killed_writer_keeps_committed_batches_and_a_rerun_completes()
    {
        string input = _h.PathOf("big.jsonl");
        using (var w = new StreamWriter(input))
            for (int i = 0; i < Documents; i++)
                w.WriteLine(JsonSerializer.Serialize(new { _id = $"doc{i:D6}", title = $"title {i}", text = $"body of document number {i} with marker m{i % 97}" }));
        string idx = _h.PathOf("idx");
        string dll = Path.Combine(AppContext.BaseDirectory, "semsearch.dll");
        Assert.True(File.Exists(dll), $"{dll} not found next to the tests");

        using (var child = IndexCliHarness.StartChild(dll, "index", "--index", idx, "--input", input, "--batch-size", BatchSize.ToString()))
        {
            var clock = Stopwatch.StartNew();
            long seen = 0;
            while (clock.Elapsed < TimeSpan.FromSeconds(120) && !child.HasExited)
            {
                seen = CommittedCount(idx);
                if (seen > 0) break;
                Thread.Sleep(20);
            }
            Assert.True(seen > 0, $"no batch was committed within {clock.Elapsed} (child exited: {child.HasExited})");
            child.Kill(entireProcessTree: true); // SIGKILL: no finally blocks, no flush, no lock release by the process
            child.WaitForExit();
        }

        long afterKill = IndexProbe.Documents(idx);
        Assert.InRange(afterKill, BatchSize, Documents - 1); // killed mid-ingest, after at least one batch
        Assert.Equal(0, afterKill % BatchSize); // whole batches only: never half a commit
        Assert.True(IndexProbe.Clean(idx)); // CheckIndex: every segment intact
        var probe = IndexCliHarness.Run("search", "--index", idx, "--query", "document number 0", "--top", "1");
        Assert.Equal(0, probe.Code);
        Assert.Contains("doc000000", probe.Out);

        var rerun = IndexCliHarness.Run("index", "--index", idx, "--input", input, "--batch-size", BatchSize.ToString());
        Assert.True(rerun.Code == 0, rerun.Err);
        Assert.Contains($"{Documents - afterKill} added, 0 updated, {afterKill} unchanged", rerun.Out);
        Assert.Equal(Documents, IndexProbe.Documents(idx));
        Assert.Equal(Documents, IndexProbe.Records(idx).Select(r => r.Id).Distinct().Count());
        Assert.Equal(Documents, IndexProbe.KeywordMatches(idx, "body")); // every document is in the keyword index
        var last = IndexCliHarness.Run("search", "--index", idx, "--query", $"title {Documents - 1}", "--advanced", "--top", "1");
        Assert.Contains($"doc{Documents - 1:D6}", last.Out);
    }

    private static long CommittedCount(string idx)
    {
        if (!SemanticSearch.Index.Storage.IndexFiles.IsIndex(idx)) return 0;
        try { return IndexProbe.Documents(idx); }
        catch (IOException) { return 0; } // the first commit is being written
    }
}
