using System.Diagnostics;
using System.Text;
using SemanticSearch.Service.Client;
using SemanticSearch.Service.Hosting;

namespace SemanticSearch.Service.Tests;

/// <summary>
/// A real `semsearch serve` process (the built semsearch.dll run by `dotnet`) on an ephemeral
/// loopback port. Start waits for the "listening on" line on stdout; stderr (the call log) is kept.
/// </summary>
internal sealed class ApiServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private readonly StringBuilder _stdout = new();

    private ApiServerProcess(Process process) => _process = process;

    /// <summary>The URL the server printed when it became ready.</summary>
    public Uri Address { get; private set; } = null!;
    public int ProcessId => _process.Id;
    public bool HasExited => _process.HasExited;
    public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }
    public string Stdout { get { lock (_stdout) return _stdout.ToString(); } }

    /// <summary>The CLI built in the same configuration as these tests.</summary>
    public static string SemsearchDll
    {
        get
        {
            // tests/X/bin/<Configuration>/net10.0/ → src/SemanticSearch.Cli/bin/<Configuration>/net10.0/semsearch.dll
            string configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
            string dll = Path.Combine(ApiTestCorpus.RepositoryRoot, "src", "SemanticSearch.Cli", "bin", configuration, "net10.0", "semsearch.dll");
            Assert.True(File.Exists(dll), $"build the CLI first: dotnet build src/SemanticSearch.Cli -c {configuration} (looked for {dll})");
            return dll;
        }
    }

    public static async Task<ApiServerProcess> StartAsync(params string[] serveArgs)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(SemsearchDll);
        start.ArgumentList.Add("serve");
        foreach (var a in serveArgs) start.ArgumentList.Add(a);
        var process = Process.Start(start)!;
        var ready = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var server = new ApiServerProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) { ready.TrySetException(new InvalidOperationException("server exited before it was ready:\n" + server.Stderr)); return; }
            lock (server._stdout) server._stdout.AppendLine(e.Data);
            if (e.Data.StartsWith(ProductServerRunner.ReadyPrefix, StringComparison.Ordinal))
                ready.TrySetResult(new Uri(e.Data[ProductServerRunner.ReadyPrefix.Length..]));
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (server._stderr) server._stderr.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            server.Address = await ready.Task.WaitAsync(TimeSpan.FromSeconds(120));
            return server;
        }
        catch
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            throw;
        }
    }

    public SearchServiceClient Client(string? apiKey) => new(Address, apiKey);

    /// <summary>SIGTERM, then the exit code (killed and -1 after the timeout).</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        if (_process.HasExited) return _process.ExitCode;
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()])) await kill.WaitForExitAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            return -1;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) await TerminateAsync(TimeSpan.FromSeconds(20));
        _process.Dispose();
    }
}
