using System.Diagnostics;

namespace SemanticSearch.Bench.Service;

/// <summary>`dotnet semsearch.dll serve …` as a child process; ready when it prints its address.</summary>
internal sealed class ServerProcess : IDisposable
{
    private const string ReadyPrefix = "semsearch serve: listening on ";
    private readonly Process _process;

    private ServerProcess(Process process, Uri address) { _process = process; Address = address; }

    public Uri Address { get; }

    /// <summary>CPU time (user + system) the server process has used so far.</summary>
    public TimeSpan CpuTime
    {
        get { _process.Refresh(); return _process.TotalProcessorTime; }
    }

    public static async Task<ServerProcess> StartAsync(string semsearchDll, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(semsearchDll);
        start.ArgumentList.Add("serve");
        foreach (var a in args) start.ArgumentList.Add(a);
        var process = Process.Start(start)!;
        var ready = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) ready.TrySetException(new InvalidOperationException("the server exited before it was ready"));
            else if (e.Data.StartsWith(ReadyPrefix, StringComparison.Ordinal)) ready.TrySetResult(new Uri(e.Data[ReadyPrefix.Length..]));
        };
        // The per-call log would be millions of lines here; drain it without keeping it.
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ServerProcess(process, await ready.Task.WaitAsync(TimeSpan.FromMinutes(2)));
    }

    /// <summary>SIGKILL: no drain, no flush; what survives is what SQLite committed.</summary>
    public void KillHard()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public async Task<int> TerminateAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()])) await kill.WaitForExitAsync();
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited) KillHard();
        _process.Dispose();
    }
}
