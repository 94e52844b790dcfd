namespace SemanticSearch.Index.Storage;

/// <summary>
/// Exclusive right to write an index: Lucene's native write.lock against other processes (dropped by
/// the OS when the process dies, so a kill -9 never leaves a stale lock) and one exclusive holder
/// within this process. Parts that write beside the holder (a model activation) share its writer.
/// </summary>
public sealed class WriterLock : IDisposable
{
    private readonly IndexStore _store;
    private int _disposed;

    private WriterLock(IndexStore store) => _store = store;

    /// <summary>Locks an existing index.</summary>
    public static WriterLock Acquire(string directory) => new(IndexStore.Acquire(directory, exclusive: true, create: false));

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0) _store.Release(exclusive: true);
    }
}

/// <summary>A second writer tried to open an index that already has one.</summary>
public sealed class IndexLockedException(string message, Exception? inner) : InvalidOperationException(message, inner);
