using System.Diagnostics;
using System.Security.Cryptography;

namespace SemanticSearch.Cli.Tests;

/// <summary>
/// `semsearch classifier train --mode end-to-end` as a child process: killed with SIGKILL after a checkpoint, resumed
/// and interrupted with SIGINT (Ctrl+C: checkpoint, message, exit 1), resumed again to the end — the written encoder
/// and head are byte-identical to an uninterrupted run's.
/// </summary>
public sealed class ClassifierKillResumeTests : IDisposable
{
    private readonly IndexCliHarness _h = new();

    public void Dispose() => _h.Dispose();

    private string[] Train(string data, string output, params string[] more) =>
    [
        "classifier", "train", "--mode", "end-to-end", "--model", ActivateCommandTests.FixtureModel("mini-mean-f32"), "--data", data, "--validation", data,
        "--output", output, "--epochs", "6", "--batch-size", "4", "--lr", "0.05", "--encoder-lr", "2e-3", "--hidden", "8", "--eval-steps", "5",
        "--patience", "100", "--seed", "11", "--checkpoint-steps", "10", .. more,
    ];

    private const int SigInt = 2;

    /// <summary>kill(2) directly: spawning /bin/kill could take longer than the ~60 steps (~1.5 s) left to interrupt.</summary>
    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    private static string Sha(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    /// <summary>Starts the CLI in a child process, collecting its output; <paramref name="onStderr"/> sees each stderr line.</summary>
    private static (Process Child, Func<string> Out) Start(string[] args, Action<Process, string>? onStderr = null)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "semsearch.dll");
        Assert.True(File.Exists(dll), $"{dll} not found next to the tests");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        var child = Process.Start(psi)!;
        var stdout = new System.Text.StringBuilder();
        child.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (stdout) stdout.AppendLine(e.Data); };
        child.ErrorDataReceived += (_, e) => { if (e.Data is not null) onStderr?.Invoke(child, e.Data); };
        child.BeginOutputReadLine();
        child.BeginErrorReadLine();
        return (child, () => { lock (stdout) return stdout.ToString(); });
    }

    [Fact]
    public void Killed_then_interrupted_run_resumes_to_the_same_bytes_as_a_straight_run()
    {
        string[][] words = [["card", "lost", "stolen", "missing", "pin", "blocked"], ["rate", "exchange", "euro", "dollar", "currency", "fee"]];
        var random = new Random(2);
        string data = _h.WriteJsonl("train.jsonl", Enumerable.Range(0, 48).Select(i => (object)new
        {
            text = string.Join(' ', Enumerable.Range(0, 3).Select(_ => words[i % 2][random.Next(6)])), label = i % 2 == 0 ? "card" : "money",
        }));
        string straight = _h.PathOf("straight"), resumed = _h.PathOf("resumed"), checkpoint = resumed + ".checkpoint";
        var run = IndexCliHarness.Run(Train(data, straight));
        Assert.True(run.Code == 0, run.Err);

        // SIGKILL as soon as the first checkpoint (step 10 of 72) is on disk.
        var (killed, _) = Start(Train(data, resumed));
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(120) && !killed.HasExited && !File.Exists(Path.Combine(checkpoint, "last", "state.json"))) Thread.Sleep(10);
        Assert.False(killed.HasExited, "the child ended before its first checkpoint was seen");
        killed.Kill(entireProcessTree: true);
        killed.WaitForExit();
        Assert.False(Directory.Exists(resumed)); // killed mid-run: no output yet

        // Resume, and press "Ctrl+C" (SIGINT) once it has resumed: it checkpoints, says how to continue, exits 1.
        var (interrupted, stdout) = Start(Train(data, resumed, "--resume"), (child, line) =>
        {
            if (line.StartsWith("resuming at step", StringComparison.Ordinal)) Assert.Equal(0, Kill(child.Id, SigInt));
        });
        Assert.True(interrupted.WaitForExit(120_000), "the interrupted child did not exit");
        interrupted.WaitForExit(); // drains the output handlers
        Assert.True(interrupted.ExitCode == 1, $"exit {interrupted.ExitCode}: {stdout()}");
        Assert.Contains("cancelled after", stdout());
        Assert.Contains("--resume (checkpoint in", stdout());
        Assert.False(Directory.Exists(resumed));

        var rest = IndexCliHarness.Run(Train(data, resumed, "--resume"));
        Assert.True(rest.Code == 0, rest.Err);
        Assert.Contains("resuming at step", rest.Err);
        foreach (var file in new[] { "model.safetensors", "classifier/model.safetensors", "classifier/config.json" })
            Assert.True(Sha(Path.Combine(straight, file)) == Sha(Path.Combine(resumed, file)), $"{file} differs from the uninterrupted run's");
        Assert.False(Directory.Exists(checkpoint));
    }

    [Fact]
    public void Resume_is_refused_with_overwrite_in_other_modes_and_with_other_options()
    {
        string data = _h.WriteJsonl("d.jsonl", Enumerable.Range(0, 8).Select(i => (object)new { text = i % 2 == 0 ? "lost card" : "euro rate", label = i % 2 == 0 ? "a" : "b" }));
        string output = _h.PathOf("o");
        var both = IndexCliHarness.Run(Train(data, output, "--resume", "--overwrite"));
        Assert.Equal(2, both.Code);
        Assert.Contains("--resume and --overwrite exclude each other", both.Err);
        var frozen = IndexCliHarness.Run("classifier", "train", "--model", ActivateCommandTests.FixtureModel("mini-mean-f32"), "--data", data, "--output", output, "--resume");
        Assert.Equal(2, frozen.Code);
        Assert.Contains("--resume applies to --mode end-to-end and setfit", frozen.Err);
        var missing = IndexCliHarness.Run(Train(data, output, "--resume"));
        Assert.Equal(1, missing.Code);
        Assert.Contains("no checkpoint", missing.Err);
    }
}
