using System.Diagnostics;

namespace SemanticSearch.Service.Tests;

/// <summary>
/// The product API called by foreign gRPC stacks (grpcio C-core, @grpc/grpc-js) against a real
/// `semsearch serve` process. CI installs their dependencies (.ci/install-interop-deps.sh); a
/// missing one fails with its name instead of skipping.
/// </summary>
public sealed class ApiInteropTests : IAsyncLifetime
{
    private const string ApiKey = "interop-product-key";
    private readonly string _root = Path.Combine(Path.GetTempPath(), "semsearch-api-interop-" + Guid.NewGuid().ToString("N")[..8]);
    private ApiServerProcess _server = null!;

    private string Target => $"127.0.0.1:{_server.Address.Port}";

    /// <summary>
    /// Each test gets its own server over the tiny normalizing model with a classifier head, so the
    /// clients can call Encode, Classify, fine-tune and activate; both clients assert what that model implies
    /// (unit vectors, the head's labels cards/transfers/other).
    /// </summary>
    public async Task InitializeAsync()
    {
        string model = Path.Combine(_root, "model");
        ApiTestCorpus.WriteTinyModel(model, withClassifierHead: true);
        _server = await ApiServerProcess.StartAsync("--index", Path.Combine(_root, "index"), "--model", model, "--port", "0", "--api-key", ApiKey);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task Python_grpcio_client_passes_every_product_check()
    {
        Assert.True(File.Exists("/usr/bin/python3"), "Interop dependency missing: /usr/bin/python3");
        var script = Path.Combine(ApiTestCorpus.RepositoryRoot, "tests", "interop", "product", "python_product_client.py");
        var (exit, output) = await RunAsync("/usr/bin/python3", [script, Target, ApiKey]);
        AssertEveryCheckPassed("python_product_client.py", exit, output, expectedChecks: 14);
    }

    [Fact]
    public async Task Node_grpc_js_client_passes_every_product_check()
    {
        var nodeModules = Path.Combine(ApiTestCorpus.RepositoryRoot, "tests", "interop", "node", "node_modules", "@grpc", "grpc-js");
        Assert.True(Directory.Exists(nodeModules), "Interop dependency missing: npm packages in tests/interop/node (run .ci/install-interop-deps.sh)");
        var script = Path.Combine(ApiTestCorpus.RepositoryRoot, "tests", "interop", "product", "node_product_client.mjs");
        var (exit, output) = await RunAsync("node", [script, Target, ApiKey]);
        AssertEveryCheckPassed("node_product_client.mjs", exit, output, expectedChecks: 13);
    }

    /// <summary>
    /// Exit 0, no FAIL line, and the summary counts every check: a client that silently dropped a
    /// check (or crashed before the summary) fails here, with the client's whole output.
    /// </summary>
    private void AssertEveryCheckPassed(string client, int exit, string output, int expectedChecks)
    {
        string context = $"{client} exited {exit}:\n{output}\nserver log:\n{_server.Stderr}";
        Assert.True(exit == 0, context);
        Assert.DoesNotContain("FAIL ", output);
        Assert.True(output.Contains($"summary: {expectedChecks} of {expectedChecks} checks ok"), context);
        Assert.Equal(expectedChecks, output.Split('\n').Count(line => line.StartsWith("ok    ", StringComparison.Ordinal)));
    }

    private static async Task<(int, string)> RunAsync(string file, string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var proxy in new[] { "http_proxy", "https_proxy", "grpc_proxy" }) start.Environment.Remove(proxy);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try { await process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { process.Kill(entireProcessTree: true); return (-1, "timed out\n" + await stdout + await stderr); }
        return (process.ExitCode, await stdout + "\n" + await stderr);
    }
}
