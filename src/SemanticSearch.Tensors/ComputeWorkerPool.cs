using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace SemanticSearch.Tensors;

/// <summary>
/// A few dedicated background threads for the compute kernels' parallel loops. Compared with
/// Parallel.For it dispatches in microseconds (a short query runs ~30 parallel regions per encode),
/// does not depend on the shared ThreadPool (which a busy gRPC server may starve), and keeps each
/// thread's scratch buffers warm. One region runs at a time; a concurrent or nested region
/// returns false so the caller can fall back.
///
/// Waiting: a thread with nothing to do polls for a short, bounded time (<see cref="SpinMicroseconds"/>)
/// and then sleeps on an event. The gaps between regions of one forward pass are mostly a few
/// microseconds (GEMM pack phase → row phase, QKV → attention), which polling bridges without a
/// futex round trip; anything longer (the caller's serial code, writing output, the next chunk's
/// tokenization) puts the thread to sleep instead of burning a core the caller's own work needs.
/// SemaphoreSlim/ManualResetEventSlim, used before, spun with yields for up to tens of microseconds
/// on every wait.
/// </summary>
internal sealed class ComputeWorkerPool
{
    public static readonly ComputeWorkerPool Shared = new();

    /// <summary>How long a waiting thread polls before it sleeps (SEMSEARCH_COMPUTE_SPIN_US overrides, 0 = never poll).</summary>
    public static readonly int SpinMicroseconds =
        int.TryParse(Environment.GetEnvironmentVariable("SEMSEARCH_COMPUTE_SPIN_US"), out int us) && us >= 0 ? us : 20;

    private static readonly long SpinTicks = SpinMicroseconds * Stopwatch.Frequency / 1_000_000;

    [ThreadStatic] private static bool t_insideRegion;

    private readonly object _region = new();
    private readonly List<Worker> _workers = [];
    private readonly Sleeper _caller = new();
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
            Volatile.Write(ref _activeHelpers, helpers);
            // Each helper's ticket increment is a full fence: it sees the fields above when it sees the ticket.
            for (int i = 0; i < helpers; i++) _workers[i].Post();
            Work();
            if (helpers > 0) _caller.WaitUntil(ref _activeHelpers, 0, untilEqual: true);
            _body = null;
            if (_error is not null) ExceptionDispatchInfo.Capture(_error).Throw();
            return true;
        }
        finally { Monitor.Exit(_region); }
    }

    private void StartWorker()
    {
        var worker = new Worker();
        var thread = new Thread(() => WorkerLoop(worker)) { IsBackground = true, Name = $"compute-{_workers.Count + 1}" };
        _workers.Add(worker);
        thread.Start();
    }

    private void WorkerLoop(Worker worker)
    {
        int seen = 0;
        while (true)
        {
            seen = worker.WaitForTicketAfter(seen);
            Work();
            // The caller may start the next region as soon as this reaches zero: touch no region field after it.
            if (Interlocked.Decrement(ref _activeHelpers) == 0) _caller.WakeIfSleeping();
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

    /// <summary>A worker's mailbox: the caller bumps the ticket once per region the worker is to join.</summary>
    private sealed class Worker
    {
        private readonly Sleeper _sleeper = new();
        private int _ticket;

        public void Post()
        {
            Interlocked.Increment(ref _ticket);
            _sleeper.WakeIfSleeping();
        }

        public int WaitForTicketAfter(int seen)
        {
            _sleeper.WaitUntil(ref _ticket, seen, untilEqual: false);
            return Volatile.Read(ref _ticket);
        }
    }

    /// <summary>
    /// Polls a condition for <see cref="SpinTicks"/>, then sleep until woken. The sleeping flag and the
    /// condition are each written/read with a full fence on both sides (Dekker): either the waiter sees
    /// the condition come true, or the waker sees the flag and sets the event. Stale wake-ups only cost
    /// one more look at the condition.
    /// </summary>
    private sealed class Sleeper
    {
        private readonly ManualResetEventSlim _event = new(false, spinCount: 0);
        private int _sleeping;

        /// <summary>Returns once <paramref name="location"/> equals (or, with untilEqual false, differs from) value.</summary>
        public void WaitUntil(ref int location, int value, bool untilEqual)
        {
            if ((Volatile.Read(ref location) == value) == untilEqual) return;
            if (SpinTicks > 0)
            {
                long deadline = Stopwatch.GetTimestamp() + SpinTicks;
                do
                {
                    for (int i = 0; i < 16; i++)
                    {
                        Thread.SpinWait(1);
                        if ((Volatile.Read(ref location) == value) == untilEqual) return;
                    }
                } while (Stopwatch.GetTimestamp() < deadline);
            }
            while (true)
            {
                _event.Reset();
                Interlocked.Exchange(ref _sleeping, 1);
                if ((Volatile.Read(ref location) == value) == untilEqual) break;
                _event.Wait();
                if ((Volatile.Read(ref location) == value) == untilEqual) break;
            }
            Volatile.Write(ref _sleeping, 0);
        }

        public void WakeIfSleeping()
        {
            if (Volatile.Read(ref _sleeping) != 0) _event.Set();
        }
    }
}
