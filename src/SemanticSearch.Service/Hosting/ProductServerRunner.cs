using Microsoft.Extensions.Logging;

namespace SemanticSearch.Service.Hosting;

/// <summary>
/// Runs a <see cref="ProductServer"/> in the foreground until SIGTERM or Ctrl-C (the host's console
/// lifetime), then stops it gracefully. Prints "listening on URL" on stdout once the port is bound
/// (scripts wait for it); logs go to stderr.
/// </summary>
public static class ProductServerRunner
{
    public const string ReadyPrefix = "semsearch serve: listening on ";

    public static async Task<int> RunAsync(ServerSettings settings, TextWriter stdout, ILoggerFactory loggers)
    {
        var log = loggers.CreateLogger("SemanticSearch.Service");
        await using var server = ProductServer.Create(settings, loggers);
        await server.StartAsync();
        stdout.WriteLine(ReadyPrefix + server.Address);
        stdout.Flush();
        await server.Host.WaitForShutdownAsync(); // SIGTERM/SIGINT: drain calls, stop workers, close the index
        await server.StopAsync();
        log.LogInformation("Stopped; index closed.");
        return 0;
    }

    /// <summary>Console logging to stderr, one line per event, UTC timestamps.</summary>
    public static ILoggerFactory CreateConsoleLoggers(LogLevel minimum = LogLevel.Information) => LoggerFactory.Create(b => b
        .SetMinimumLevel(minimum)
        .AddFilter("Microsoft", LogLevel.Warning)
        .AddFilter("Grpc", LogLevel.Warning)
        .AddSimpleConsole(o => { o.SingleLine = true; o.UseUtcTimestamp = true; o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ "; })
        .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace));
}
