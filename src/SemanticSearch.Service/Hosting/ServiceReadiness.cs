using Grpc.Health.V1;
using Grpc.HealthCheck;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace SemanticSearch.Service.Hosting;

/// <summary>
/// What grpc.health.v1 reports: NOT_SERVING until the host says the index and model are loaded
/// (<see cref="MarkReady"/>) and again from the moment it starts stopping. Stopping also pushes
/// NOT_SERVING to every Health.Watch stream, then ends those streams (<see cref="Stopping"/>).
/// </summary>
public sealed class ServiceReadiness : IHealthCheck
{
    private readonly CancellationTokenSource _stopping = new();
    /// <summary>How long watch streams stay open after NOT_SERVING was queued, so that it reaches them.</summary>
    private static readonly TimeSpan WatchFlush = TimeSpan.FromMilliseconds(250);
    private volatile bool _ready, _stoppingStarted;

    private Func<string?> _fault = () => null;

    public bool IsServing => _ready && !_stoppingStarted && _fault() is null;

    /// <summary>A condition that takes the server out of service while it returns a reason (e.g. an index that failed to reopen).</summary>
    public void ReportFaults(Func<string?> fault) => _fault = fault;

    /// <summary>Fires shortly after NOT_SERVING has been published, when the server starts stopping.</summary>
    public CancellationToken Stopping => _stopping.Token;

    public void MarkReady() => _ready = true;

    internal void BeginStopping(HealthServiceImpl health, IEnumerable<string> services)
    {
        _stoppingStarted = true;
        foreach (var service in services) health.SetStatus(service, HealthCheckResponse.Types.ServingStatus.NotServing);
        _stopping.CancelAfter(WatchFlush); // a watch writes what is queued, then its call ends

    }

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(IsServing ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy(_stoppingStarted ? "stopping" : _fault() ?? "loading"));
}
