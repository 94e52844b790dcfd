using SemanticSearch.Index;
using SemanticSearch.Index.Embedding;

namespace SemanticSearch.Service.Serving;

/// <summary>
/// The index a server process serves: one writer (writes are serialized here, because the index
/// allows a single writer) and one thread-safe <see cref="IndexSearcher"/> (a Lucene SearcherManager
/// and per-segment vector matrices). At most
/// <c>maxConcurrentReads</c> reads run at once; further ones wait in line (asynchronously, so no
/// thread is held) rather than fail. After every write the vector matrix is brought up to the new
/// commit before the write returns, so a search started after an upsert returned sees that upsert,
/// and searches themselves never pay for reloading vectors.
/// </summary>
public sealed class ServedIndex : IDisposable
{
    private IndexWriter _writer;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly SemaphoreSlim _readSlots;
    private volatile IndexSearcher _searcher;
    private volatile ITextEncoder? _encoder;
    private volatile string? _outOfService;
    private readonly int _maxConcurrentReads;
    private int _disposed;

    private ServedIndex(string directory, ITextEncoder? encoder, IndexWriter writer, int maxConcurrentReads)
    {
        Directory = directory;
        _encoder = encoder;
        _writer = writer;
        _maxConcurrentReads = maxConcurrentReads;
        _readSlots = new SemaphoreSlim(maxConcurrentReads, maxConcurrentReads);
        // Load the vector matrices now rather than on the first query.
        _searcher = IndexSearcher.Open(directory, encoder);
        _searcher.Refresh();
    }

    public string Directory { get; }

    /// <summary>The index's model, or null when the index is keyword-only or was opened without it.</summary>
    public ITextEncoder? Encoder => _encoder;

    /// <summary>The model an activation is re-embedding the index with (null when none runs); shown by Stats.</summary>
    public Index.Storage.ModelBinding? PendingModel { get; set; }

    /// <summary>The head tagging upserted documents (null: none). It keeps its own encoder, so a model switch keeps it usable.</summary>
    public Index.Tagging.DocumentTagger? Tagger { get; private init; }

    /// <summary>The model the index is bound to (null: keyword-only).</summary>
    public Index.Storage.ModelBinding? Binding => _writer.Model;

    /// <summary>
    /// Opens (creating if needed) the index. With <paramref name="encoder"/> an empty index is bound
    /// to it; an index already bound to another model is refused.
    /// </summary>
    /// <remarks>With <paramref name="tagger"/> every upserted document gets predicted tags, as CLI ingest with --classifier.</remarks>
    public static ServedIndex Open(string directory, ITextEncoder? encoder, string? modelPath, int maxConcurrentReads,
                                   Index.Tagging.DocumentTagger? tagger = null)
    {
        if (maxConcurrentReads < 1) throw new ArgumentOutOfRangeException(nameof(maxConcurrentReads), "at least one concurrent read is needed");
        var writer = IndexWriter.Open(directory, encoder, modelPath, tagger: tagger);
        try
        {
            return new ServedIndex(directory, encoder, writer, maxConcurrentReads) { Tagger = tagger };
        }
        catch
        {
            writer.Dispose();
            throw;
        }
    }

    /// <summary>Runs <paramref name="query"/> on the searcher, off the caller's thread, once a read slot is free.</summary>
    public async Task<T> ReadAsync<T>(Func<IndexSearcher, T> query, CancellationToken cancellationToken)
    {
        RequireInService();
        await _readSlots.WaitAsync(cancellationToken);
        try
        {
            // The index layer takes no token: check before starting; the dispatcher answers the
            // deadline on time even if a long query keeps running after it.
            cancellationToken.ThrowIfCancellationRequested();
            var searcher = _searcher; // read under the slot: a model switch holds every slot while it swaps searchers
            return await Task.Run(() => query(searcher), cancellationToken);
        }
        finally
        {
            _readSlots.Release();
        }
    }

    /// <summary>The stored document with this id, or null.</summary>
    public Task<SourceDocument?> GetAsync(string id, CancellationToken cancellationToken) =>
        ReadAsync(s => s.Get(id), cancellationToken);

    /// <summary>
    /// Runs one write transaction at a time; embedding happens inside (before the Lucene commit).
    /// The searcher moves to the new commit (loading only new segments' vectors) before the write is reported done.
    /// </summary>
    public async Task<T> WriteAsync<T>(Func<IndexWriter, T> write, CancellationToken cancellationToken)
    {
        RequireInService();
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            // Not cancellable once started: a commit either happens completely or not at all.
            return await Task.Run(() =>
            {
                try { return write(_writer); }
                finally { _searcher.Refresh(); }
            }, CancellationToken.None);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>
    /// Switches the served model. Waits for the write in progress and takes every read slot (reads in
    /// flight finish on the old model and vectors; new ones wait), runs <paramref name="commit"/> (which
    /// makes <paramref name="encoder"/> the index's model in one transaction, e.g.
    /// IndexReembedder.Complete), then reopens the writer and the searcher with the new encoder and
    /// loads the new vectors before any read resumes. So no search pairs the old encoder with the new
    /// vectors or the reverse. If <paramref name="commit"/> throws, the old pair keeps serving.
    /// </summary>
    public async Task<Index.Storage.ModelBinding> SwitchModelAsync(Func<Index.Storage.ModelBinding> commit, ITextEncoder encoder, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken);
        int held = 0;
        try
        {
            for (; held < _maxConcurrentReads; held++) await _readSlots.WaitAsync(CancellationToken.None);
            var binding = await Task.Run(commit, CancellationToken.None);
            // The database holds the new model now: the old writer and searcher must never run again.
            // Should reopening fail, the index is out of service (UNAVAILABLE, naming why) rather than
            // serving with a disposed writer or the old model's searcher over the new vectors.
            try
            {
                await Task.Run(() =>
                {
                    _writer.Dispose();
                    _writer = IndexWriter.Open(Directory, encoder, binding.ModelPath, tagger: Tagger);
                    var old = _searcher;
                    var fresh = IndexSearcher.Open(Directory, encoder);
                    fresh.Refresh();
                    _searcher = fresh;
                    old.Dispose();
                }, CancellationToken.None);
            }
            catch (Exception e)
            {
                _outOfService = $"the index could not be reopened after switching to model {binding.Identity.Fingerprint[..Math.Min(12, binding.Identity.Fingerprint.Length)]} ({e.GetType().Name}); restart the server";
                PendingModel = null;
                throw;
            }
            _encoder = encoder;
            PendingModel = null;
            return binding;
        }
        finally
        {
            if (held > 0) _readSlots.Release(held);
            _writeGate.Release();
        }
    }

    /// <summary>Set when a model switch could not reopen the index: every read and write is UNAVAILABLE.</summary>
    public string? OutOfService => _outOfService;

    private void RequireInService()
    {
        if (_outOfService is { } reason) throw new ServiceException(Grpc.Core.StatusCode.Unavailable, reason);
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
        _searcher.Dispose();
    }
}
