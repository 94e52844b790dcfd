using System.Diagnostics;
using System.Reflection;

namespace SemanticSearch.Service.Tests;

/// <summary>
/// Real gRPC stacks (C-core via Debian's python3-grpcio, and @grpc/grpc-js) call every kind of RPC
/// on the echo service. CI installs the dependencies (.ci/install-interop-deps.sh), so a missing one
/// fails the test with its name instead of skipping.
/// </summary>
public sealed class InteropTests : IAsyncLifetime
{
    private const string DebianPython = "/usr/bin/python3";
    private TestServer _server = null!;

    private static string RepositoryRoot => typeof(InteropTests).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(new SemanticSearch.Service.Hosting.GrpcEndpointSettings
    {
        Port = 0,
        ApiKey = "interop-key",
        CompressResponses = true,
        MaxSendMessageBytes = 4 * 1024 * 1024, // the scripts check an oversized reply is RESOURCE_EXHAUSTED
    });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Python_grpcio_client_passes_every_check()
    {
        AssertDependency(File.Exists(DebianPython), $"{DebianPython} (Debian package python3)");
        var probe = await RunAsync(DebianPython, ["-c", "import grpc, google.protobuf"], TimeSpan.FromSeconds(30));
        AssertDependency(probe.ExitCode == 0, "python modules grpc/google.protobuf for /usr/bin/python3 (Debian packages python3-grpcio, python3-protobuf): " + probe.Output);
        AssertDependency(FindOnPath("protoc") is not null, "protoc (Debian package protobuf-compiler)");
        AssertDependency(File.Exists("/usr/include/google/protobuf/empty.proto"),
            "/usr/include/google/protobuf/empty.proto (Debian package libprotobuf-dev)");

        var script = Path.Combine(RepositoryRoot, "tests", "interop", "python_client.py");
        var result = await RunAsync(DebianPython, [script, $"127.0.0.1:{_server.Port}", "interop-key"], TimeSpan.FromMinutes(2));

        Assert.True(result.ExitCode == 0, $"python_client.py exited {result.ExitCode}:\n{result.Output}");
        Assert.Contains("summary: 13 of 13 checks ok", result.Output);
    }

    [Fact]
    public async Task Node_grpc_js_client_passes_every_check()
    {
        var node = FindOnPath("node");
        AssertDependency(node is not null, "node (Debian package nodejs)");
        var nodeDir = Path.Combine(RepositoryRoot, "tests", "interop", "node");
        foreach (var package in new[] { "@grpc/grpc-js", "@grpc/proto-loader" })
        {
            AssertDependency(Directory.Exists(Path.Combine(nodeDir, "node_modules", package)),
                $"npm package {package} in tests/interop/node/node_modules (run .ci/install-interop-deps.sh)");
        }

        var result = await RunAsync(node!, [Path.Combine(nodeDir, "client.mjs"), $"127.0.0.1:{_server.Port}", "interop-key"],
            TimeSpan.FromMinutes(2));

        Assert.True(result.ExitCode == 0, $"client.mjs exited {result.ExitCode}:\n{result.Output}");
        Assert.Contains("summary: 13 of 13 checks ok", result.Output);
    }

    private static void AssertDependency(bool present, string what) =>
        Assert.True(present, "Interop dependency missing: " + what);

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);

    private static async Task<(int ExitCode, string Output)> RunAsync(string file, string[] args, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        // Keep the scripts away from whatever gRPC proxy settings the machine may have.
        start.Environment.Remove("http_proxy");
        start.Environment.Remove("https_proxy");
        start.Environment.Remove("grpc_proxy");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"timed out after {timeout}\n{await stdout}\n{await stderr}");
        }
        return (process.ExitCode, $"{await stdout}\n{await stderr}");
    }
}
