using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using SemanticSearch.Index.Embedding;
using SemanticSearch.Index.Search;
using SemanticSearch.Index.Storage;

namespace SemanticSearch.Index;

/// <summary>
/// Read side of an index: keyword, vector and hybrid search, "more like this", documents by id,
/// stats. Thread-safe: concurrent calls each take a read connection from a pool (opened on demand,
/// so the pool grows to the callers' peak concurrency) and run in their own SQLite read snapshot.
/// Any number of searchers (in any number of processes) can be open next to one writer; each sees
/// committed data only.
///
/// The vector matrix is shared by all calls and refreshed incrementally from the index's vector
/// change log. A query whose snapshot is newer than the published matrix refreshes it inline from
/// that snapshot, unless another call is already refreshing, in which case it uses the last
/// published matrix rather than wait; and a query whose snapshot began just before a commit may get
/// the matrix already refreshed past it. Either way the vector leg then differs from the query's
/// snapshot by the commits being applied (a hit whose row is not in the snapshot is left out by the
/// hit loader). In-process writers call <see cref="RefreshVectors"/> after a commit so searches
/// started after the write returned see it.
///
/// The keyword leg runs on FTS5, or with <see cref="KeywordLegMode.InMemoryPostings"/> on shared
/// in-memory postings with the same ranking, refreshed the same way from the document change log; a
/// query uses them only when they are exactly at its snapshot, and otherwise asks FTS5 (never stale).
/// </summary>
public sealed class IndexSearcher : IDisposable
{
    private readonly ITextEncoder? _encoder;
    private readonly ConcurrentBag<ReadConnection> _idle = new();
    private readonly List<ReadConnection> _opened = new();
    private readonly VectorMatrixRefresher? _vectors;
    private readonly PostingsKeywordLeg? _postings;
    private int _disposed;

    public string Directory { get; }
    public ModelBinding? Model { get; }

    private sealed class ReadConnection : IDisposable
    {
        public SqliteConnection Conn { get; }
        public KeywordSearcher Keyword { get; }
        public HitLoader Hits { get; }
        private Fts5Tokenizer? _tokenizer;
        /// <summary>FTS5's tokenizer for query text, made on first use (in-memory postings only).</summary>
        public Fts5Tokenizer Tokenizer => _tokenizer ??= Fts5Tokenizer.For(Conn);

        public ReadConnection(SqliteConnection conn)
        {
            Conn = conn;
            Keyword = new KeywordSearcher(conn);
            Hits = new HitLoader(conn, Keyword);
        }

        public void Dispose()
        {
            _tokenizer?.Dispose();
            Conn.Dispose();
        }
    }

    private IndexSearcher(string directory, SqliteConnection first, ITextEncoder? encoder, ModelBinding? model, KeywordLegMode keywordLeg)
    {
        Directory = directory; _encoder = encoder; Model = model; KeywordLeg = keywordLeg;
        if (model is not null) _vectors = new VectorMatrixRefresher(model.Identity.Dimension);
        if (keywordLeg == KeywordLegMode.InMemoryPostings) _postings = new PostingsKeywordLeg();
        var rc = new ReadConnection(first);
        _opened.Add(rc);
        _idle.Add(rc);
    }

    /// <summary>
    /// Opens an existing index. An encoder is only needed for vector and hybrid queries; if given it
    /// must be the model the index was built with. <paramref name="keywordLeg"/>: see <see cref="KeywordLegMode"/>
    /// (in-memory postings pay off for searchers that answer many queries).
    /// </summary>
    public static IndexSearcher Open(string directory, ITextEncoder? encoder = null, KeywordLegMode keywordLeg = KeywordLegMode.Fts5)
    {
        var conn = IndexDatabase.OpenForRead(directory);
        try
        {
            var model = ModelBinding.Read(conn);
            if (encoder is not null)
            {
                if (model is null) throw new ModelMismatchException($"index '{directory}' is keyword-only (built without a model); it cannot be searched with a model");
                model.EnsureMatches(encoder.Identity, directory);
            }
            return new IndexSearcher(directory, conn, encoder, model, keywordLeg);
        }
        catch
        {
            conn.Dispose();
            throw;
        }
    }

    public SearchResults Search(SearchRequest request)
    {
        request.Validate();
        // Encode before taking a connection: it is the slow part of a vector query and needs no database.
        float[]? queryVector = request.Mode == SearchMode.Keyword ? null : EncodeQuery(request.Query);
        return InSnapshot(rc =>
        {
            var filter = TagFilter.For(request);
            string? match = request.Mode == SearchMode.Vector ? null : KeywordSearcher.MatchExpression(request);
            int needed = request.Offset + request.Top;
            IReadOnlyList<FusedDoc> ranked = request.Mode switch
            {
                SearchMode.Keyword => match is null ? Array.Empty<FusedDoc>()
                    : KeywordLegHits(rc, request, match, needed, filter).Select((s, i) => new FusedDoc(s.Doc, s.Score, s.Score, null, i + 1, null)).ToList(),
                SearchMode.Vector => VectorLeg(rc, queryVector!, needed, filter).Select((s, i) => new FusedDoc(s.Doc, s.Score, null, s.Score, null, i + 1)).ToList(),
                SearchMode.Hybrid => new HybridSearcher((depth, f) => KeywordLegHits(rc, request, match!, depth, f), (depth, f) => VectorLeg(rc, queryVector!, depth, f)).Search(request, match, filter),
                _ => throw new ArgumentException($"unknown search mode {request.Mode}"),
            };
            var page = ranked.Skip(request.Offset).Take(request.Top).ToList();
            var hits = rc.Hits.Load(page, request.Offset + 1, match, request);
            return new SearchResults(hits, request.Mode);
        });
    }

    /// <summary>Documents whose vectors are closest to the stored vectors of document <paramref name="id"/> (excluding itself).</summary>
    public SearchResults MoreLikeThis(string id, int top = 10, int offset = 0, IReadOnlyList<string>? tags = null)
    {
        new SearchRequest(id) { Top = top, Offset = offset, Tags = tags ?? Array.Empty<string>() }.Validate();
        RequireVectors();
        return InSnapshot(rc =>
        {
            long doc = DocRowId(rc.Conn, id) ?? throw new KeyNotFoundException($"no document with id '{id}' in index '{Directory}'");
            var matrix = _vectors!.ForSnapshot(rc.Conn);
            var centroid = matrix.DocumentCentroid(doc) ?? throw new InvalidOperationException($"document '{id}' has no stored vectors");
            var filter = new TagFilter(tags ?? Array.Empty<string>());
            var allowed = filter.IsEmpty ? null : filter.MatchingDocs(rc.Conn);
            var ranked = matrix.Search(centroid, offset + top, allowed, exclude: doc)
                .Select((s, i) => new FusedDoc(s.Doc, s.Score, null, s.Score, null, i + 1)).ToList();
            var hits = rc.Hits.Load(ranked.Skip(offset).Take(top).ToList(), offset + 1, null, null);
            return new SearchResults(hits, SearchMode.Vector);
        });
    }

    /// <summary>The stored document with this id (title, text, tags, metadata), or null.</summary>
    public SourceDocument? Get(string id) => GetMany(new[] { id })[0];

    /// <summary>The stored documents with these ids, read in one snapshot; element i is null when ids[i] is not stored.</summary>
    public IReadOnlyList<SourceDocument?> GetMany(IReadOnlyList<string> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        return InSnapshot(rc =>
        {
            using var cmd = rc.Conn.CreateCommand();
            cmd.CommandText = "SELECT id, title, text, tags, metadata FROM documents WHERE id = $id";
            var p = cmd.Parameters.Add("$id", SqliteType.Text);
            var found = new SourceDocument?[ids.Count];
            for (int i = 0; i < ids.Count; i++)
            {
                p.Value = ids[i] ?? throw new ArgumentNullException($"ids[{i}]");
                using var r = cmd.ExecuteReader();
                if (!r.Read()) continue;
                found[i] = new SourceDocument(r.GetString(0), r.GetString(1), r.GetString(2), TagListJson.Read(r.GetString(3)), r.IsDBNull(4) ? null : r.GetString(4));
            }
            return (IReadOnlyList<SourceDocument?>)found;
        });
    }

    public IndexStats Stats() => InSnapshot(rc =>
    {
        long Count(string sql) { using var c = rc.Conn.CreateCommand(); c.CommandText = sql; return (long)c.ExecuteScalar()!; }
        return new IndexStats(Directory,
            Count("SELECT COUNT(*) FROM documents"), Count("SELECT COUNT(*) FROM vectors"),
            Count("SELECT COUNT(DISTINCT tag) FROM doc_tags"), MetaTable.Generation(rc.Conn),
            new FileInfo(IndexDatabase.PathIn(Directory)).Length, Model, MetaTable.Get(rc.Conn, "created_utc"));
    });

    /// <summary>
    /// Brings the shared vector matrix up to the last committed generation (incrementally when the
    /// change log allows) and returns it; waits for a refresh already running. No-op snapshot-wise
    /// for keyword-only indexes (returns null).
    /// </summary>
    public VectorMatrix? RefreshVectors() => _vectors is null ? null : InSnapshot(rc => _vectors.Refresh(rc.Conn));

    /// <summary>The last published vector matrix without refreshing it (null: none loaded yet, or keyword-only).</summary>
    public VectorMatrix? PublishedVectors => _vectors?.Current;

    private float[] EncodeQuery(string query)
    {
        RequireVectors();
        var encoder = _encoder ?? throw new InvalidOperationException($"vector search on index '{Directory}' needs its model ({Model!.Identity.Fingerprint}{(Model.ModelPath is null ? "" : $" at '{Model.ModelPath}'")})");
        var seq = TokenWindowSplitter.QuerySequence(encoder.QueryTokenIds(query), encoder.Identity.MaxSeqLength, encoder.ClsId, encoder.SepId);
        var q = encoder.EncodeIds(new[] { seq }, 1)[0];
        VectorMatrix.NormalizeInPlace(q);
        return q;
    }

    /// <summary>The keyword leg's top <paramref name="k"/>: from the in-memory postings when they can answer exactly, else FTS5.</summary>
    private List<ScoredDoc> KeywordLegHits(ReadConnection rc, SearchRequest request, string match, int k, TagFilter filter) =>
        _postings?.TrySearch(rc.Conn, rc.Tokenizer, request, k, filter) ?? rc.Keyword.Search(match, k, filter);

    public KeywordLegMode KeywordLeg { get; }

    /// <summary>Keyword legs answered from the in-memory postings / by FTS5 because the postings could not answer exactly.</summary>
    public (long InMemory, long Fts5) KeywordLegCounts => _postings is null ? (0, 0) : _postings.Counts;

    /// <summary>
    /// Loads or refreshes the in-memory keyword postings to the last committed state (null unless
    /// opened with <see cref="KeywordLegMode.InMemoryPostings"/>). Long-lived searchers can call it
    /// at start-up so the first query does not pay the load.
    /// </summary>
    public KeywordPostings? RefreshKeywordPostings() => _postings is null ? null : InSnapshot(rc => _postings.Refresh(rc.Conn));

    /// <summary>Seconds the last full load of the keyword postings took (0: none yet).</summary>
    public double KeywordPostingsLoadSeconds => _postings?.LastLoadSeconds ?? 0;

    private List<ScoredDoc> VectorLeg(ReadConnection rc, float[] query, int k, TagFilter filter)
    {
        var allowed = filter.IsEmpty ? null : filter.MatchingDocs(rc.Conn);
        return _vectors!.ForSnapshot(rc.Conn).Search(query, k, allowed);
    }

    private void RequireVectors()
    {
        if (Model is null) throw new InvalidOperationException($"index '{Directory}' is keyword-only (built without a model); use keyword search");
    }

    /// <summary>Runs <paramref name="body"/> on a pooled connection inside one read transaction.</summary>
    private T InSnapshot<T>(Func<ReadConnection, T> body)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var rc = Rent();
        try
        {
            using var snapshot = new ReadSnapshot(rc.Conn);
            return body(rc);
        }
        finally
        {
            _idle.Add(rc);
        }
    }

    private ReadConnection Rent()
    {
        if (_idle.TryTake(out var rc)) return rc;
        rc = new ReadConnection(IndexDatabase.OpenForRead(Directory));
        lock (_opened) _opened.Add(rc);
        return rc;
    }

    private static long? DocRowId(SqliteConnection conn, string id)
    {
        using var cmd = conn.CreateCommand();
        cmd.CommandText = "SELECT doc FROM documents WHERE id = $id";
        cmd.Parameters.AddWithValue("$id", id);
        return cmd.ExecuteScalar() as long?;
    }

    /// <summary>Closes every pooled connection; call only when no call is in flight.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        lock (_opened) foreach (var rc in _opened) rc.Dispose();
        _postings?.Dispose();
    }
}
