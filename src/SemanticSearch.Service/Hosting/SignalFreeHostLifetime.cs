using Microsoft.Extensions.Hosting;

namespace SemanticSearch.Service.Hosting;

/// <summary>
/// Replaces the generic host's ConsoleLifetime, which would react to SIGTERM/Ctrl-C by stopping
/// Kestrel directly. Signals are handled by <see cref="ProductServerRunner"/> instead, which stops
/// through <see cref="ProductServer.StopAsync"/>: health goes NOT_SERVING, new calls get UNAVAILABLE,
/// in-flight calls finish, then the index is closed.
/// </summary>
internal sealed class SignalFreeHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
