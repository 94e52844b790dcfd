using System.Threading.Channels;
using SemanticSearch.Index;
using SemanticSearch.Index.Embedding;
using SemanticSearch.Index.Search;

namespace SemanticSearch.Service.Serving;

/// <summary>
/// The index a server process serves: one writer (writes are serialized here, because the index
/// allows a single writer) and a small pool of searchers so concurrent queries do not queue behind
/// each other (each <see cref="IndexSearcher"/> answers one query at a time). Searchers read
/// committed SQLite snapshots and reload vectors when the generation moves, so a search started
/// after an upsert returned sees that upsert.
/// </summary>
public sealed class ServedIndex : IDisposable
{
    private readonly IndexWriter _writer;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly Channel<IndexSearcher> _searchers;
    private readonly List<IndexSearcher> _allSearchers = new();
    private readonly DocumentReader _documents;
    private int _disposed;

    private ServedIndex(string directory, ITextEncoder? encoder, IndexWriter writer, int searcherCount)
    {
        Directory = directory;
        Encoder = encoder;
        _writer = writer;
        _searchers = Channel.CreateUnbounded<IndexSearcher>();
        try
        {
            for (int i = 0; i < searcherCount; i++)
            {
                var s = IndexSearcher.Open(directory, encoder);
                _allSearchers.Add(s);
                _searchers.Writer.TryWrite(s);
            }
            _documents = new DocumentReader(directory);
        }
        catch
        {
            foreach (var s in _allSearchers) s.Dispose();
            throw;
        }
    }

    public string Directory { get; }

    /// <summary>The index's model, or null when the index is keyword-only or was opened without it.</summary>
    public ITextEncoder? Encoder { get; }

    /// <summary>The model the index is bound to (null: keyword-only).</summary>
    public Index.Storage.ModelBinding? Binding => _writer.Model;

    /// <summary>
    /// Opens (creating if needed) the index. With <paramref name="encoder"/> an empty index is bound
    /// to it; an index already bound to another model is refused.
    /// </summary>
    public static ServedIndex Open(string directory, ITextEncoder? encoder, string? modelPath, int searcherCount)
    {
        if (searcherCount < 1) throw new ArgumentOutOfRangeException(nameof(searcherCount), "at least one searcher is needed");
        var writer = IndexWriter.Open(directory, encoder, modelPath);
        try
        {
            return new ServedIndex(directory, encoder, writer, searcherCount);
        }
        catch
        {
            writer.Dispose();
            throw;
        }
    }

    /// <summary>Runs <paramref name="query"/> on a pooled searcher, off the caller's thread.</summary>
    public async Task<T> ReadAsync<T>(Func<IndexSearcher, T> query, CancellationToken cancellationToken)
    {
        var searcher = await _searchers.Reader.ReadAsync(cancellationToken);
        try
        {
            // The index layer takes no token: check before starting; the dispatcher answers the
            // deadline on time even if a long query keeps running after it.
            cancellationToken.ThrowIfCancellationRequested();
            return await Task.Run(() => query(searcher), cancellationToken);
        }
        finally
        {
            _searchers.Writer.TryWrite(searcher);
        }
    }

    public Task<StoredDocument?> GetAsync(string id, CancellationToken cancellationToken) =>
        Task.Run(() => _documents.Find(id), cancellationToken);

    /// <summary>Runs one write transaction at a time; embedding happens inside (before the SQL transaction).</summary>
    public async Task<T> WriteAsync<T>(Func<IndexWriter, T> write, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            // Not cancellable once started: a commit either happens completely or not at all.
            return await Task.Run(() => write(_writer), CancellationToken.None);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>Waits for the write in progress (if any) so shutdown never cuts a commit short.</summary>
    public async Task DrainWritesAsync(TimeSpan timeout)
    {
        if (await _writeGate.WaitAsync(timeout)) _writeGate.Release();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _writeGate.Wait(TimeSpan.FromSeconds(30));
        _writer.Dispose();
        foreach (var s in _allSearchers) s.Dispose();
        _documents.Dispose();
    }
}
