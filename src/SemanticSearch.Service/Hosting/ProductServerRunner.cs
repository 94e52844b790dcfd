using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace SemanticSearch.Service.Hosting;

/// <summary>
/// Runs a <see cref="ProductServer"/> in the foreground until SIGTERM or Ctrl-C (SIGINT), then stops
/// it gracefully. Prints "listening on URL" on stdout once the port is bound (scripts wait for it);
/// logs go to stderr.
/// </summary>
public static class ProductServerRunner
{
    public const string ReadyPrefix = "semsearch serve: listening on ";

    public static async Task<int> RunAsync(ServerSettings settings, TextWriter stdout, ILoggerFactory loggers)
    {
        var log = loggers.CreateLogger("SemanticSearch.Service");
        await using var server = ProductServer.Create(settings, loggers);
        var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnSignal(PosixSignalContext context)
        {
            // Cancel the default (immediate exit): shutdown must drain calls and close the index.
            context.Cancel = true;
            log.LogInformation("Received {Signal}; shutting down gracefully.", context.Signal);
            stop.TrySetResult();
        }
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        await server.StartAsync();
        stdout.WriteLine(ReadyPrefix + server.Address);
        stdout.Flush();
        await stop.Task;
        await server.StopAsync();
        log.LogInformation("Stopped; index closed.");
        return 0;
    }

    /// <summary>Console logging to stderr, one line per event, UTC timestamps.</summary>
    public static ILoggerFactory CreateConsoleLoggers(LogLevel minimum = LogLevel.Information) => LoggerFactory.Create(b => b
        .SetMinimumLevel(minimum)
        .AddFilter("Microsoft", LogLevel.Warning)
        .AddSimpleConsole(o => { o.SingleLine = true; o.UseUtcTimestamp = true; o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ "; })
        .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace));
}
