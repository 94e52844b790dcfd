namespace SemanticSearch.Tensors;

/// <summary>
/// How many threads the compute kernels may use. Results never depend on it: work is only ever
/// split into independent output blocks, never across a reduction.
/// </summary>
public static class ComputeThreads
{
    private static int s_count = Environment.ProcessorCount;

    public static int Count
    {
        get => Volatile.Read(ref s_count);
        set
        {
            if (value < 1)
                throw new ArgumentOutOfRangeException(nameof(value), $"Thread count must be at least 1, got {value}.");
            Volatile.Write(ref s_count, value);
        }
    }

    /// <summary>
    /// Sets <see cref="Count"/> until the returned scope is disposed, then puts the previous value back: the
    /// count is process-wide, and a command run in-process (tests, a host) must leave it as it found it.
    /// </summary>
    public static CountScope Use(int threads)
    {
        var scope = new CountScope(Count);
        Count = threads;
        return scope;
    }

    public readonly struct CountScope(int previous) : IDisposable
    {
        public void Dispose() => Count = previous;
    }

    /// <summary>True on a thread that is running an item of a <see cref="For"/> region (a nested For runs inline there).</summary>
    public static bool InsideRegion => ComputeWorkerPool.InsideRegion;

    /// <summary>
    /// Runs body(0..count-1) on up to <see cref="Count"/> threads (the caller participates).
    /// Items are independent; with one thread or one item it runs inline with no scheduling cost.
    /// Regions run on the dedicated <see cref="ComputeWorkerPool"/>; a region started while another
    /// is running (two requests encoding at once) uses Parallel.For; a nested one runs inline.
    /// </summary>
    public static void For(int count, Action<int> body)
    {
        int threads = Math.Min(Count, count);
        if (threads <= 1 || ComputeWorkerPool.InsideRegion)
        {
            for (int i = 0; i < count; i++) body(i);
            return;
        }
        if (ComputeWorkerPool.Shared.TryRun(count, threads, body)) return;
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = threads }, body);
    }
}
