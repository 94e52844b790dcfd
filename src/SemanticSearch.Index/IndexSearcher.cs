using System.Collections.Concurrent;
using System.Globalization;
using Lucene.Net.Analysis;
using Lucene.Net.Index;
using Lucene.Net.Search;
using Lucene.Net.Search.Similarities;
using Lucene.Net.Store;
using SemanticSearch.Index.Embedding;
using SemanticSearch.Index.Search;
using SemanticSearch.Index.Storage;
using LDirectory = Lucene.Net.Store.Directory;
using LSearcher = Lucene.Net.Search.IndexSearcher;

namespace SemanticSearch.Index;

/// <summary>
/// Read side of an index: keyword, vector and hybrid search, "more like this", documents by id,
/// stats. Thread-safe. A Lucene SearcherManager holds the current point-in-time reader; each call
/// runs entirely on one reader (both legs, the filter and the hits see the same commit), and checks
/// for a newer commit first without waiting for a refresh another call is running. In-process
/// writers call <see cref="Refresh"/> after a commit, so a search started after a write returned
/// sees it. Any number of searchers (in any number of processes) can be open next to one writer;
/// each sees committed data only.
///
/// The vector leg scans per-segment matrices (<see cref="SegmentVectors"/>) cached by segment core:
/// a refresh loads only segments it has not seen, and deletions are masked by live docs.
/// </summary>
public sealed class IndexSearcher : IDisposable
{
    private readonly ITextEncoder? _encoder;
    private readonly LDirectory _dir;
    private readonly SearcherManager _manager;
    private readonly Analyzer _analyzer;
    private readonly ConcurrentDictionary<object, SegmentVectors> _segmentVectors = new();
    private readonly object _matrixLock = new();
    private (IndexReader Reader, VectorMatrix Matrix)? _matrix;
    private int _disposed;

    public string Directory { get; }
    /// <summary>The model the index was bound to when this searcher opened (null: keyword-only).</summary>
    public ModelBinding? Model { get; }
    public IndexSettings Settings { get; }

    private IndexSearcher(string directory, LDirectory dir, SearcherManager manager, ITextEncoder? encoder, ModelBinding? model, IndexSettings settings)
    {
        Directory = directory; _dir = dir; _manager = manager; _encoder = encoder; Model = model; Settings = settings;
        _analyzer = AnalyzerCatalog.Create(settings.Analyzer);
    }

    /// <summary>
    /// Opens an existing index. An encoder is only needed for vector and hybrid queries; if given it
    /// must be the model the index was built with.
    /// </summary>
    public static IndexSearcher Open(string directory, ITextEncoder? encoder = null)
    {
        IndexLocation.EnsureIsIndex(directory);
        var dir = FSDirectory.Open(new DirectoryInfo(Path.GetFullPath(directory)), NoLockFactory.GetNoLockFactory());
        try
        {
            var data = IndexLocation.ReadCommitData(dir, directory);
            var settings = IndexSettings.Read(data);
            var model = ModelBinding.Read(data);
            if (encoder is not null)
            {
                if (model is null) throw new ModelMismatchException($"index '{directory}' is keyword-only (built without a model); it cannot be searched with a model");
                model.EnsureMatches(encoder.Identity, directory);
            }
            SearcherManager manager;
            try { manager = new SearcherManager(dir, new Bm25SearcherFactory(settings)); }
            catch (Exception e) when (e is IOException or ArgumentException) { throw IndexCorruption.Describe(dir, directory, e); } // a truncated file: out-of-bounds slice
            return new IndexSearcher(directory, dir, manager, encoder, model, settings);
        }
        catch
        {
            dir.Dispose();
            throw;
        }
    }

    private sealed class Bm25SearcherFactory(IndexSettings settings) : SearcherFactory
    {
        public override LSearcher NewSearcher(IndexReader reader) =>
            new(reader) { Similarity = new BM25Similarity((float)settings.K1, (float)settings.B) };
    }

    public SearchResults Search(SearchRequest request)
    {
        request.Validate();
        // Encode before taking a reader: it is the slow part of a vector query and needs no index.
        float[]? queryVector = request.Mode == SearchMode.Keyword ? null : EncodeQuery(request.Query);
        var query = request.Mode == SearchMode.Vector ? null : KeywordQueries.For(request, _analyzer, Settings.TitleBoost);
        return OnReader(searcher =>
        {
            var reader = searcher.IndexReader;
            var filter = TagFilter.For(request);
            int needed = request.Offset + request.Top;
            IReadOnlyList<FusedDoc> ranked = request.Mode switch
            {
                SearchMode.Keyword => query is null ? Array.Empty<FusedDoc>()
                    : KeywordLeg(searcher, query, needed, filter).Select((s, i) => new FusedDoc(s.Doc, s.Score, s.Score, null, i + 1, null)).ToList(),
                SearchMode.Vector => VectorLeg(reader, queryVector!, needed, filter).Select((s, i) => new FusedDoc(s.Doc, s.Score, null, s.Score, null, i + 1)).ToList(),
                SearchMode.Hybrid => new HybridSearcher((depth, f) => KeywordLeg(searcher, query!, depth, f), (depth, f) => VectorLeg(reader, queryVector!, depth, f)).Search(request, query is not null, filter),
                _ => throw new ArgumentException($"unknown search mode {request.Mode}"),
            };
            var page = ranked.Skip(request.Offset).Take(request.Top).ToList();
            return new SearchResults(HitLoader.Load(reader, _analyzer, page, request.Offset + 1, query, request), request.Mode);
        });
    }

    /// <summary>Documents whose vectors are closest to the stored vectors of document <paramref name="id"/> (excluding itself).</summary>
    public SearchResults MoreLikeThis(string id, int top = 10, int offset = 0, IReadOnlyList<string>? tags = null)
    {
        new SearchRequest(id) { Top = top, Offset = offset, Tags = tags ?? Array.Empty<string>() }.Validate();
        RequireVectors();
        return OnReader(searcher =>
        {
            var reader = searcher.IndexReader;
            var found = DocLookup.Find(reader, id) ?? throw new KeyNotFoundException($"no document with id '{id}' in index '{Directory}'");
            var matrix = MatrixFor(reader);
            var centroid = matrix.DocumentCentroid(found.GlobalDoc) ?? throw new InvalidOperationException($"document '{id}' has no stored vectors");
            var filter = new TagFilter(tags ?? Array.Empty<string>());
            var ranked = matrix.Search(centroid, offset + top, filter.Bits(reader), exclude: found.GlobalDoc)
                .Select((s, i) => new FusedDoc(s.Doc, s.Score, null, s.Score, null, i + 1)).ToList();
            return new SearchResults(HitLoader.Load(reader, _analyzer, ranked.Skip(offset).Take(top).ToList(), offset + 1, null, null), SearchMode.Vector);
        });
    }

    /// <summary>The stored document with this id (title, text, tags, metadata), or null.</summary>
    public SourceDocument? Get(string id) => GetMany(new[] { id })[0];

    /// <summary>The stored documents with these ids, read from one commit; element i is null when ids[i] is not stored.</summary>
    public IReadOnlyList<SourceDocument?> GetMany(IReadOnlyList<string> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        return OnReader(searcher =>
        {
            var found = new SourceDocument?[ids.Count];
            for (int i = 0; i < ids.Count; i++)
            {
                var id = ids[i] ?? throw new ArgumentNullException($"ids[{i}]");
                if (DocLookup.Find(searcher.IndexReader, id) is { } f) found[i] = StoredRecord.Read(f.Leaf, f.Doc).ToSource();
            }
            return (IReadOnlyList<SourceDocument?>)found;
        });
    }

    /// <summary>Ids of the documents carrying <paramref name="tag"/>, in id order.</summary>
    public IReadOnlyList<string> IdsTagged(string tag) => OnReader(searcher =>
    {
        var filter = new TagFilter([tag]);
        var bits = filter.Bits(searcher.IndexReader)!;
        var ids = new List<string>();
        var leaves = searcher.IndexReader.Leaves;
        for (int i = 0; i < leaves.Count; i++)
            for (int d = bits[i]!.NextSetBit(0); d >= 0; d = d + 1 < bits[i]!.Length ? bits[i]!.NextSetBit(d + 1) : -1)
                ids.Add(leaves[i].AtomicReader.Document(d).Get(IndexFields.Id));
        ids.Sort(StringComparer.Ordinal);
        return (IReadOnlyList<string>)ids;
    });

    public IndexStats Stats() => OnReader(searcher =>
    {
        var reader = (DirectoryReader)searcher.IndexReader;
        var data = new Dictionary<string, string>(reader.IndexCommit.UserData);
        long windows = Model is null ? 0 : MatrixFor(reader).Rows;
        // What the directory holds now (a commit made since this reader opened may have replaced its files).
        long bytes = new DirectoryInfo(Directory).EnumerateFiles().Sum(f => { try { return f.Length; } catch (IOException) { return 0L; } });
        return new IndexStats(Directory, reader.NumDocs, windows, TermCounts.PerTerm(reader, IndexFields.Tag).Count,
            long.Parse(data.GetValueOrDefault(CommitKeys.Generation) ?? "0", CultureInfo.InvariantCulture),
            bytes, Model, data.GetValueOrDefault(CommitKeys.CreatedUtc)) { Settings = Settings };
    });

    /// <summary>Predicted-tag counts of the current commit (see <see cref="Tagging.PredictedTagStats"/>).</summary>
    public Tagging.PredictedTagStats PredictedTagStats() => OnReader(searcher =>
    {
        var reader = (DirectoryReader)searcher.IndexReader;
        return Tagging.PredictedTagStats.Read(reader, Tagging.TaggingHead.Read(new Dictionary<string, string>(reader.IndexCommit.UserData)));
    });

    /// <summary>
    /// Moves to the last commit (waiting for a refresh another call is running) and loads the vector
    /// matrices of segments not seen before; returns the matrix (null for keyword-only indexes).
    /// </summary>
    public VectorMatrix? Refresh()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        _manager.MaybeRefreshBlocking();
        return Model is null ? null : OnReader(s => MatrixFor(s.IndexReader), refresh: false);
    }

    /// <summary>The vector matrix of the reader searches run on now, without refreshing (null: none loaded yet, or keyword-only).</summary>
    public VectorMatrix? PublishedVectors => _matrix?.Matrix;

    /// <summary>Every query text is embedded here: one call site for the query side of the encoder.</summary>
    private float[] EncodeQuery(string query)
    {
        RequireVectors();
        var encoder = _encoder ?? throw new InvalidOperationException($"vector search on index '{Directory}' needs its model ({Model!.Identity.Fingerprint}{(Model.ModelPath is null ? "" : $" at '{Model.ModelPath}'")})");
        var seq = TokenWindowSplitter.QuerySequence(encoder.QueryTokenIds(query), encoder.Identity.MaxSeqLength, encoder.ClsId, encoder.SepId);
        var q = encoder.EncodeIds(new[] { seq }, 1)[0];
        VectorMatrix.NormalizeInPlace(q);
        return q;
    }

    private static List<ScoredDoc> KeywordLeg(LSearcher searcher, Query query, int k, TagFilter filter)
    {
        var top = searcher.Search(query, filter.AsLuceneFilter(searcher.IndexReader), k);
        var hits = new List<ScoredDoc>(top.ScoreDocs.Length);
        foreach (var sd in top.ScoreDocs) hits.Add(new ScoredDoc(sd.Doc, sd.Score));
        return hits;
    }

    private List<ScoredDoc> VectorLeg(IndexReader reader, float[] query, int k, TagFilter filter) =>
        MatrixFor(reader).Search(query, k, filter.Bits(reader));

    /// <summary>The vector matrix of <paramref name="reader"/>, built from cached segment matrices.</summary>
    private VectorMatrix MatrixFor(IndexReader reader)
    {
        RequireVectors();
        if (_matrix is { } m && ReferenceEquals(m.Reader, reader)) return m.Matrix;
        lock (_matrixLock)
        {
            if (_matrix is { } again && ReferenceEquals(again.Reader, reader)) return again.Matrix;
            var data = new Dictionary<string, string>(((DirectoryReader)reader).IndexCommit.UserData);
            // A searcher with an encoder is pinned to that model; one without (more-like-this on stored
            // vectors only) follows the index to whatever model its commit names.
            var bound = ModelBinding.Read(data) ?? throw new InvalidOperationException($"index '{Directory}' no longer has a model");
            if (_encoder is not null && bound.Identity != _encoder.Identity)
                throw new ModelMismatchException($"index '{Directory}' switched to model [{bound.Identity.Describe()}] after this searcher opened with [{_encoder.Identity.Describe()}]; open a new searcher");
            string field = data[CommitKeys.VectorField];
            int dim = bound.Identity.Dimension, loaded = 0;
            var leaves = reader.Leaves;
            var segments = new VectorMatrix.Segment[leaves.Count];
            var keys = new HashSet<object>();
            for (int i = 0; i < leaves.Count; i++)
            {
                var leaf = leaves[i].AtomicReader;
                var key = (leaf.CoreCacheKey, field);
                keys.Add(key);
                if (!_segmentVectors.TryGetValue(key, out var v)) { _segmentVectors[key] = v = SegmentVectors.Load(leaf, field, dim); loaded++; }
                segments[i] = new VectorMatrix.Segment(v, leaves[i].DocBase, leaf.LiveDocs);
            }
            foreach (var stale in _segmentVectors.Keys.Where(k => !keys.Contains(k)).ToList()) _segmentVectors.TryRemove(stale, out _);
            long generation = long.Parse(data.GetValueOrDefault(CommitKeys.Generation) ?? "0", CultureInfo.InvariantCulture);
            var matrix = new VectorMatrix(dim, generation, segments, loaded);
            _matrix = (reader, matrix);
            return matrix;
        }
    }

    private void RequireVectors()
    {
        if (Model is null) throw new InvalidOperationException($"index '{Directory}' is keyword-only (built without a model); use keyword search");
    }

    /// <summary>Runs <paramref name="body"/> on the current reader (after a non-blocking check for a newer commit).</summary>
    private T OnReader<T>(Func<LSearcher, T> body, bool refresh = true)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (refresh) _manager.MaybeRefresh();
        var searcher = _manager.Acquire();
        try { return body(searcher); }
        finally { _manager.Release(searcher); }
    }

    /// <summary>Closes the reader; call only when no call is in flight.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _manager.Dispose();
        _dir.Dispose();
        _analyzer.Dispose();
    }
}
