namespace SemanticSearch.Service.Rpc.Server;

/// <summary>
/// Counts running calls so shutdown can refuse new ones (UNAVAILABLE) while waiting for the
/// running ones to finish, and cancel them if they outlive the drain timeout.
/// </summary>
internal sealed class InFlightCalls
{
    private readonly object _gate = new();
    private readonly CancellationTokenSource _abandon = new();
    private int _count;
    private bool _draining;
    private TaskCompletionSource? _drained;

    /// <summary>Cancelled when the drain timeout expires: running handlers must stop.</summary>
    public CancellationToken Abandoned => _abandon.Token;

    public bool IsDraining
    {
        get { lock (_gate) { return _draining; } }
    }

    public int Count
    {
        get { lock (_gate) { return _count; } }
    }

    /// <summary>False once draining has begun: the caller answers UNAVAILABLE.</summary>
    public bool TryEnter()
    {
        lock (_gate)
        {
            if (_draining)
            {
                return false;
            }
            _count++;
            return true;
        }
    }

    public void Exit()
    {
        lock (_gate)
        {
            _count--;
            if (_count == 0)
            {
                _drained?.TrySetResult();
            }
        }
    }

    /// <summary>Stops admitting calls and waits for the running ones; true if they all finished in time.</summary>
    public async Task<bool> DrainAsync(TimeSpan timeout)
    {
        Task drained;
        lock (_gate)
        {
            _draining = true;
            _drained ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_count == 0)
            {
                _drained.TrySetResult();
            }
            drained = _drained.Task;
        }
        if (await Task.WhenAny(drained, Task.Delay(timeout)) == drained)
        {
            return true;
        }
        _abandon.Cancel();
        return false;
    }
}
