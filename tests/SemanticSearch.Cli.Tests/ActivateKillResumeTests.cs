using System.Diagnostics;
using System.Text.Json;

namespace SemanticSearch.Cli.Tests;

/// <summary>
/// kill -9 of a real `semsearch activate` process mid-run: the index must keep serving its old model
/// (here: keyword-only) with no vectors of the new one, and running the command again must resume at
/// the committed batches and end with exactly the vectors a direct build with the new model has.
/// </summary>
public sealed class ActivateKillResumeTests : IDisposable
{
    private readonly IndexCliHarness _h = new();
    public void Dispose() => _h.Dispose();

    private const int Documents = 20_000;
    private const int BatchSize = 100;

    private static object Doc(int i) => new { _id = $"doc{i:D6}", title = $"title {i}", text = $"body of document number {i} with marker m{i % 97} and a lost card" };

    [Fact]
    public void Killed_activation_leaves_the_old_model_serving_and_a_rerun_resumes_and_completes()
    {
        string model = ActivateCommandTests.FixtureModel("mini-mean-f32");
        string input = _h.WriteJsonl("big.jsonl", Enumerable.Range(0, Documents).Select(Doc));
        string idx = _h.PathOf("idx");
        Assert.Equal(0, IndexCliHarness.Run("index", "--index", idx, "--input", input).Code);
        string dll = Path.Combine(AppContext.BaseDirectory, "semsearch.dll");
        Assert.True(File.Exists(dll), $"{dll} not found next to the tests");

        long stagedAtKill;
        using (var child = IndexCliHarness.StartChild(dll, "activate", "--index", idx, "--model", model, "--batch-size", BatchSize.ToString(), "--threads", "1"))
        {
            var clock = Stopwatch.StartNew();
            long cursor = 0;
            while (clock.Elapsed < TimeSpan.FromSeconds(120) && !child.HasExited && (cursor = Cursor(idx)) == 0) Thread.Sleep(20);
            Assert.True(cursor > 0, $"no batch was committed within {clock.Elapsed} (child exited: {child.HasExited})");
            child.Kill(entireProcessTree: true); // SIGKILL: no finally blocks, no lock release by the process
            child.WaitForExit();
        }
        stagedAtKill = IndexProbe.Records(idx).Count(r => r.StagedHash.Length > 0);
        Assert.InRange(stagedAtKill, BatchSize, Documents - 1); // killed mid-run
        Assert.Equal(0, stagedAtKill % BatchSize); // whole batches only
        Assert.True(IndexProbe.Clean(idx));
        Assert.All(IndexProbe.Records(idx), r => Assert.Empty(IndexProbe.LiveVectors(idx, r))); // still keyword-only
        Assert.Contains("model         none (keyword-only)", IndexCliHarness.Run("stats", "--index", idx).Out);
        var keyword = IndexCliHarness.Run("search", "--index", idx, "--query", "\"document number 0\"", "--advanced", "--top", "1");
        Assert.Contains("doc000000", keyword.Out);

        var rerun = IndexCliHarness.Run("activate", "--index", idx, "--model", model, "--batch-size", BatchSize.ToString());
        Assert.True(rerun.Code == 0, rerun.Err);
        Assert.Contains($"resuming: {stagedAtKill} of {Documents} documents already re-embedded", rerun.Err);
        Assert.Contains($"{Documents - stagedAtKill} documents re-embedded ({stagedAtKill} more by an earlier run), {Documents} documents and {Documents} windows in index", rerun.Out);
        Assert.Equal(Documents, IndexProbe.Records(idx).Count(r => IndexProbe.LiveVectors(idx, r).Length > 0));

        // Vectors staged before the kill and after the resume are those of a direct build with the model.
        int[] sample = [0, 1, (int)stagedAtKill - 1, (int)stagedAtKill, Documents - 1];
        string direct = _h.PathOf("direct");
        var build = IndexCliHarness.Run("index", "--index", direct, "--input", _h.WriteJsonl("sample.jsonl", sample.Select(Doc)), "--model", model);
        Assert.True(build.Code == 0, build.Err);
        var directRecords = IndexProbe.Records(direct).ToDictionary(r => r.Id);
        var activated = IndexProbe.Records(idx).ToDictionary(r => r.Id);
        foreach (int i in sample)
        {
            string id = $"doc{i:D6}";
            Assert.Equal(Convert.ToHexString(IndexProbe.LiveVectors(direct, directRecords[id])), Convert.ToHexString(IndexProbe.LiveVectors(idx, activated[id])));
        }
    }

    /// <summary>1 once the re-embedding has committed a batch (its cursor names an id), else 0.</summary>
    private static long Cursor(string idx)
    {
        // The cursor is the last id staged; a commit being written meanwhile can make one read fail.
        try { return string.IsNullOrEmpty(IndexProbe.CommitData(idx).GetValueOrDefault("reembed_cursor")) ? 0 : 1; }
        catch (IOException) { return 0; }
    }
}
