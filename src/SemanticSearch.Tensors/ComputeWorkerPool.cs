using System.Runtime.ExceptionServices;

namespace SemanticSearch.Tensors;

/// <summary>
/// A few dedicated background threads for the compute kernels' parallel loops. Compared with
/// Parallel.For it dispatches in microseconds (a short query runs ~30 parallel regions per encode),
/// does not depend on the shared ThreadPool (which a busy gRPC server may starve), and keeps each
/// thread's scratch buffers warm. One region runs at a time; a concurrent or nested region
/// returns false so the caller can fall back.
/// </summary>
internal sealed class ComputeWorkerPool
{
    public static readonly ComputeWorkerPool Shared = new();

    [ThreadStatic] private static bool t_insideRegion;

    private readonly object _region = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly ManualResetEventSlim _helpersDone = new(false);
    private readonly List<Thread> _workers = [];
    private Action<int>? _body;
    private int _count, _next, _activeHelpers;
    private Exception? _error;

    /// <summary>True if the calling thread is already running an item of some region.</summary>
    public static bool InsideRegion => t_insideRegion;

    /// <summary>
    /// Runs body(0..count-1) on the caller plus up to threads−1 workers, items handed out one at a time.
    /// Returns false, without running anything, if another region is in progress.
    /// </summary>
    public bool TryRun(int count, int threads, Action<int> body)
    {
        if (!Monitor.TryEnter(_region)) return false;
        try
        {
            int helpers = Math.Min(threads - 1, count - 1);
            while (_workers.Count < helpers) StartWorker();
            _body = body;
            _count = count;
            _next = 0;
            _error = null;
            _activeHelpers = helpers;
            _helpersDone.Reset();
            if (helpers > 0) _wake.Release(helpers); // a full fence: workers see the fields above
            Work();
            if (helpers > 0) _helpersDone.Wait();
            _body = null;
            if (_error is not null) ExceptionDispatchInfo.Capture(_error).Throw();
            return true;
        }
        finally { Monitor.Exit(_region); }
    }

    private void StartWorker()
    {
        var thread = new Thread(WorkerLoop) { IsBackground = true, Name = $"compute-{_workers.Count + 1}" };
        _workers.Add(thread);
        thread.Start();
    }

    private void WorkerLoop()
    {
        while (true)
        {
            _wake.Wait();
            Work();
            if (Interlocked.Decrement(ref _activeHelpers) == 0) _helpersDone.Set();
        }
    }

    private void Work()
    {
        t_insideRegion = true;
        try
        {
            var body = _body!;
            int item;
            while ((item = Interlocked.Increment(ref _next) - 1) < _count)
            {
                try { body(item); }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref _error, e, null);
                    Volatile.Write(ref _next, _count); // stop handing out items
                }
            }
        }
        finally { t_insideRegion = false; }
    }
}
