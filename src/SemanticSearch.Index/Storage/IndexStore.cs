using System.Globalization;
using Lucene.Net.Analysis;
using Lucene.Net.Index;
using Lucene.Net.Search.Similarities;
using Lucene.Net.Store;
using LDirectory = Lucene.Net.Store.Directory;
using LIndexWriter = Lucene.Net.Index.IndexWriter;

namespace SemanticSearch.Index.Storage;

/// <summary>
/// The one Lucene <see cref="LIndexWriter"/> of an index directory in this process, shared by the
/// parts that write it (the <see cref="SemanticSearch.Index.IndexWriter"/>, a model activation beside
/// it, a re-tag). Other processes are kept out by Lucene's native write.lock, which the OS drops
/// when a process dies, so a kill -9 never leaves a stale lock.
///
/// Durability: every change goes through <see cref="Commit{T}"/>, which applies one batch and makes
/// it durable with one Lucene commit (fsync'ed segments, then the new segments_N), together with
/// the commit user data (format, generation, model binding, activation cursor, tagging head). A
/// commit is all or nothing; if applying a batch throws, the writer rolls back to the last commit.
/// Batches are serialized, so a commit never holds half of another caller's batch.
/// </summary>
internal sealed class IndexStore
{
    public const string LegacyFileName = "index.db";
    private static readonly Dictionary<string, IndexStore> OpenStores = new(StringComparer.Ordinal);

    private readonly object _sync = new();
    private LIndexWriter _writer;
    private DirectoryReader _reader;
    private Dictionary<string, string> _data;
    private int _refs;
    private bool _exclusiveHeld;

    public string Path { get; }
    public LDirectory Dir { get; }
    public IndexSettings Settings { get; }
    public Analyzer Analyzer { get; }

    private IndexStore(string path, LDirectory dir, IndexSettings settings, LIndexWriter writer, Dictionary<string, string> data)
    {
        Path = path; Dir = dir; Settings = settings; Analyzer = writer.Analyzer; _writer = writer; _data = data;
        _reader = DirectoryReader.Open(writer, applyAllDeletes: true);
    }

    /// <summary>
    /// Takes a share of the directory's store, opening it (and creating the index when
    /// <paramref name="create"/>) if this process has none. <paramref name="exclusive"/>: at most one
    /// such holder at a time (an <see cref="SemanticSearch.Index.IndexWriter"/>, a re-tag, the CLI's
    /// activation lock); activations share with it.
    /// </summary>
    public static IndexStore Acquire(string directory, bool exclusive, bool create, IndexSettings? requested = null)
    {
        string path = System.IO.Path.GetFullPath(directory);
        lock (OpenStores)
        {
            if (!OpenStores.TryGetValue(path, out var store))
            {
                store = OpenNew(directory, path, create, requested);
                OpenStores[path] = store;
            }
            else store.Settings.EnsureMatches(requested, directory);
            if (exclusive && store._exclusiveHeld)
                throw new IndexLockedException($"index '{directory}' is locked by another writer in this process ({System.IO.Path.Combine(directory, "write.lock")})", null);
            store._exclusiveHeld |= exclusive;
            store._refs++;
            return store;
        }
    }

    public void Release(bool exclusive)
    {
        lock (OpenStores)
        {
            if (exclusive) _exclusiveHeld = false;
            if (--_refs > 0) return;
            OpenStores.Remove(Path);
            lock (_sync)
            {
                _reader.Dispose();
                _writer.Dispose(); // commits nothing new: every change was committed by Commit()
                Dir.Dispose();
            }
        }
    }

    private static IndexStore OpenNew(string directory, string path, bool create, IndexSettings? requested)
    {
        if (!create) IndexLocation.EnsureIsIndex(directory);
        if (IndexLocation.IsLegacy(directory)) throw IndexLocation.LegacyError(directory);
        System.IO.Directory.CreateDirectory(directory);
        var dir = FSDirectory.Open(new DirectoryInfo(path), new NativeFSLockFactory());
        try
        {
            bool exists = DirectoryReader.IndexExists(dir);
            var data = exists ? IndexLocation.ReadCommitData(dir, directory) : null;
            var settings = data is null ? (requested ?? new IndexSettings()) : IndexSettings.Read(data);
            settings.Validate();
            if (data is not null) settings.EnsureMatches(requested, directory);
            var config = new IndexWriterConfig(AnalyzerCatalog.Version, AnalyzerCatalog.Create(settings.Analyzer))
            {
                OpenMode = OpenMode.CREATE_OR_APPEND,
                Similarity = new BM25Similarity((float)settings.K1, (float)settings.B),
                // Bulk keyword ingest commits every 10k documents; a larger buffer than the 16 MB
                // default lets a batch become one segment instead of several flushed mid-batch.
                RAMBufferSizeMB = 64,
            };
            LIndexWriter writer;
            try { writer = new LIndexWriter(dir, config); }
            catch (LockObtainFailedException e)
            {
                throw new IndexLockedException($"index '{directory}' is locked by another writer ({System.IO.Path.Combine(directory, "write.lock")})", e);
            }
            catch (Exception e) when (e is IOException or ArgumentException) // a truncated file shows as an out-of-bounds slice
            {
                throw IndexCorruption.Describe(dir, directory, e);
            }
            if (data is null)
            {
                data = new Dictionary<string, string>
                {
                    [CommitKeys.Format] = CommitKeys.FormatVersion,
                    [CommitKeys.Generation] = "0",
                    [CommitKeys.CreatedUtc] = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
                    [CommitKeys.VectorField] = IndexFields.VectorsA,
                };
                settings.Write(data);
                writer.SetCommitData(data);
                writer.Commit();
            }
            try { return new IndexStore(path, dir, settings, writer, data); }
            catch (Exception e) when (e is IOException or ArgumentException) // Lucene reports a truncated file as an out-of-bounds slice
            {
                writer.Rollback(); // closes without writing anything: a damaged index is left as it is
                throw IndexCorruption.Describe(dir, directory, e);
            }
        }
        catch
        {
            dir.Dispose();
            throw;
        }
    }

    /// <summary>A copy of the last committed user data.</summary>
    public Dictionary<string, string> Data { get { lock (_sync) return new Dictionary<string, string>(_data); } }

    /// <summary>Runs <paramref name="read"/> on a reader of the last commit, with no commit running.</summary>
    public T Read<T>(Func<DirectoryReader, T> read)
    {
        lock (_sync) return read(_reader);
    }

    /// <summary>
    /// Applies one batch and commits it with the user data as <paramref name="apply"/> left it (the
    /// generation is moved when <paramref name="apply"/> returns true in <c>Changed</c>). The reader
    /// is refreshed before this returns, so the next lookup sees the batch.
    /// </summary>
    public T Commit<T>(Func<CommitScope, T> apply)
    {
        lock (_sync)
        {
            var scope = new CommitScope(_writer, _reader, new Dictionary<string, string>(_data), Settings);
            T result;
            try
            {
                result = apply(scope);
                if (scope.Changed)
                    scope.Data[CommitKeys.Generation] = (long.Parse(scope.Data.GetValueOrDefault(CommitKeys.Generation) ?? "0", CultureInfo.InvariantCulture) + 1).ToString(CultureInfo.InvariantCulture);
                _writer.SetCommitData(scope.Data);
                _writer.Commit();
            }
            catch
            {
                RollBack();
                throw;
            }
            _data = scope.Data;
            var next = DirectoryReader.OpenIfChanged(_reader, _writer, applyAllDeletes: true);
            if (next is not null) { _reader.Dispose(); _reader = next; }
            return result;
        }
    }

    /// <summary>Drops every uncommitted change: Lucene's rollback closes the writer, so it is opened again at the last commit.</summary>
    private void RollBack()
    {
        try { _writer.Rollback(); } catch (Exception) { /* the writer is being replaced either way */ }
        var config = new IndexWriterConfig(AnalyzerCatalog.Version, AnalyzerCatalog.Create(Settings.Analyzer))
        {
            OpenMode = OpenMode.APPEND,
            Similarity = new BM25Similarity((float)Settings.K1, (float)Settings.B),
            RAMBufferSizeMB = 64,
        };
        _writer = new LIndexWriter(Dir, config);
        _reader.Dispose();
        _reader = DirectoryReader.Open(_writer, applyAllDeletes: true);
    }

    /// <summary>Merges the index down to one segment (explicit: it costs time proportional to the index).</summary>
    public void ForceMerge()
    {
        lock (_sync)
        {
            _writer.ForceMerge(1);
            _writer.Commit();
            var next = DirectoryReader.OpenIfChanged(_reader, _writer, applyAllDeletes: true);
            if (next is not null) { _reader.Dispose(); _reader = next; }
        }
    }
}

/// <summary>What one <see cref="IndexStore.Commit{T}"/> call may change: documents through the writer, and the user data.</summary>
internal sealed class CommitScope(LIndexWriter writer, DirectoryReader reader, Dictionary<string, string> data, IndexSettings settings)
{
    public LIndexWriter Writer { get; } = writer;
    /// <summary>The last commit (documents changed in this scope are not visible in it).</summary>
    public DirectoryReader Reader { get; } = reader;
    public Dictionary<string, string> Data { get; } = data;
    /// <summary>Set when documents changed: moves the generation.</summary>
    public bool Changed { get; set; }

    public void Put(StoredRecord record) => Writer.UpdateDocument(new Term(IndexFields.Id, record.Id), record.ToDocument(settings));
}
