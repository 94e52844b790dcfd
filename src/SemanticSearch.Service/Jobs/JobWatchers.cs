using System.Threading.Channels;

namespace SemanticSearch.Service.Jobs;

/// <summary>
/// The WatchJob streams of job records (fine-tuning jobs and model activations alike): each watcher
/// gets the current snapshot at once, then every published change, and its stream completes after
/// the final state. Latest state wins: a slow watcher skips intermediate steps instead of stalling
/// the worker that publishes them. Owners call in under their own lock, so a snapshot and the
/// changes after it reach a watcher in order; this class only guards its own lists.
/// </summary>
internal sealed class JobWatchers
{
    private readonly object _lock = new();
    private readonly Dictionary<string, List<Channel<JobRecord>>> _byId = new(StringComparer.Ordinal);

    public ChannelReader<JobRecord> Subscribe(JobRecord record, out Action unsubscribe)
    {
        unsubscribe = () => { };
        var channel = Channel.CreateBounded<JobRecord>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest });
        channel.Writer.TryWrite(record.Snapshot());
        if (record.IsFinal)
        {
            channel.Writer.TryComplete();
            return channel.Reader;
        }
        lock (_lock)
        {
            if (!_byId.TryGetValue(record.Id, out var list)) _byId[record.Id] = list = new List<Channel<JobRecord>>();
            list.Add(channel);
            unsubscribe = () => { lock (_lock) list.Remove(channel); };
        }
        return channel.Reader;
    }

    /// <summary>Sends a snapshot of <paramref name="record"/> to its watchers.</summary>
    public void Send(JobRecord record)
    {
        lock (_lock)
        {
            if (!_byId.TryGetValue(record.Id, out var list) || list.Count == 0) return;
            var snapshot = record.Snapshot();
            foreach (var w in list) w.Writer.TryWrite(snapshot);
        }
    }

    /// <summary>Ends every stream of job <paramref name="id"/> (after its final state was sent).</summary>
    public void Complete(string id)
    {
        lock (_lock)
        {
            if (_byId.Remove(id, out var list))
                foreach (var w in list) w.Writer.TryComplete();
        }
    }
}
