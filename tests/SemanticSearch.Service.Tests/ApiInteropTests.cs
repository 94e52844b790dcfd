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

    public async Task InitializeAsync() =>
        _server = await ApiServerProcess.StartAsync("--index", Path.Combine(_root, "index"), "--port", "0", "--api-key", ApiKey);

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
        Assert.True(exit == 0, $"python_product_client.py exited {exit}:\n{output}");
        Assert.Contains("summary: 7 of 7 checks ok", output);
    }

    [Fact]
    public async Task Node_grpc_js_client_passes_every_product_check()
    {
        var nodeModules = Path.Combine(ApiTestCorpus.RepositoryRoot, "tests", "interop", "node", "node_modules", "@grpc", "grpc-js");
        Assert.True(Directory.Exists(nodeModules), "Interop dependency missing: npm packages in tests/interop/node (run .ci/install-interop-deps.sh)");
        var script = Path.Combine(ApiTestCorpus.RepositoryRoot, "tests", "interop", "product", "node_product_client.mjs");
        var (exit, output) = await RunAsync("node", [script, Target, ApiKey]);
        Assert.True(exit == 0, $"node_product_client.mjs exited {exit}:\n{output}");
        Assert.Contains("summary: 6 of 6 checks ok", output);
    }

    private static async Task<(int, string)> RunAsync(string file, string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var proxy in new[] { "http_proxy", "https_proxy", "grpc_proxy" }) start.Environment.Remove(proxy);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try { await process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { process.Kill(entireProcessTree: true); return (-1, "timed out\n" + await stdout + await stderr); }
        return (process.ExitCode, await stdout + "\n" + await stderr);
    }
}
