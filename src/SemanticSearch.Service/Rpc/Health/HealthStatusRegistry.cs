using System.Threading.Channels;
using Grpc.Health.V1;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace SemanticSearch.Service.Rpc.Health;

/// <summary>
/// Serving status per service name ("" is the whole server), with change notifications for the
/// Watch RPC. Thread-safe: the application flips statuses while calls read them.
/// </summary>
public sealed class HealthStatusRegistry
{
    private readonly object _gate = new();
    private readonly Dictionary<string, ServingStatus> _statuses = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Channel<ServingStatus>>> _watchers = new(StringComparer.Ordinal);
    private bool _shuttingDown;

    public void SetStatus(string service, ServingStatus status)
    {
        lock (_gate)
        {
            // After shutdown began everything stays NOT_SERVING; a late "SERVING" would mislead probes.
            if (_shuttingDown)
            {
                return;
            }
            _statuses[service] = status;
            Notify(service, status);
        }
    }

    /// <summary>Forgets a service: Check answers NOT_FOUND and watchers see SERVICE_UNKNOWN.</summary>
    public void ClearStatus(string service)
    {
        lock (_gate)
        {
            if (_statuses.Remove(service))
            {
                Notify(service, ServingStatus.ServiceUnknown);
            }
        }
    }

    public bool TryGetStatus(string service, out ServingStatus status)
    {
        lock (_gate)
        {
            return _statuses.TryGetValue(service, out status);
        }
    }

    /// <summary>
    /// Subscribes to a service's status: the reader yields the current status first, then every
    /// change, and completes when the server shuts down.
    /// </summary>
    public ChannelReader<ServingStatus> Watch(string service, out Action unsubscribe)
    {
        var channel = Channel.CreateUnbounded<ServingStatus>(new UnboundedChannelOptions { SingleReader = true });
        lock (_gate)
        {
            channel.Writer.TryWrite(_statuses.TryGetValue(service, out var current) ? current : ServingStatus.ServiceUnknown);
            if (_shuttingDown)
            {
                channel.Writer.TryComplete();
            }
            else
            {
                if (!_watchers.TryGetValue(service, out var list))
                {
                    _watchers[service] = list = new List<Channel<ServingStatus>>();
                }
                list.Add(channel);
            }
        }
        unsubscribe = () =>
        {
            lock (_gate)
            {
                if (_watchers.TryGetValue(service, out var list))
                {
                    list.Remove(channel);
                }
            }
        };
        return channel.Reader;
    }

    /// <summary>Marks every service NOT_SERVING (so balancers stop routing here) and ends all watches.</summary>
    public void EnterShutdown()
    {
        lock (_gate)
        {
            foreach (var service in _statuses.Keys.ToList())
            {
                _statuses[service] = ServingStatus.NotServing;
                Notify(service, ServingStatus.NotServing);
            }
            _shuttingDown = true;
            foreach (var channel in _watchers.Values.SelectMany(list => list))
            {
                channel.Writer.TryComplete();
            }
            _watchers.Clear();
        }
    }

    private void Notify(string service, ServingStatus status)
    {
        if (_watchers.TryGetValue(service, out var list))
        {
            foreach (var channel in list)
            {
                channel.Writer.TryWrite(status);
            }
        }
    }
}
