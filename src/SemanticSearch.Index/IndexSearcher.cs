using Microsoft.Data.Sqlite;
using SemanticSearch.Index.Embedding;
using SemanticSearch.Index.Search;
using SemanticSearch.Index.Storage;

namespace SemanticSearch.Index;

/// <summary>
/// Read side of an index: keyword, vector and hybrid search, "more like this", stats. Any number
/// of searchers (in any number of processes) can be open next to one writer; each sees committed
/// data only. The in-memory vector matrix is reloaded whenever the index generation has moved.
/// One searcher serves one query at a time (calls are serialized internally).
/// </summary>
public sealed class IndexSearcher : IDisposable
{
    private readonly SqliteConnection _conn;
    private readonly ITextEncoder? _encoder;
    private readonly KeywordSearcher _keyword;
    private readonly HitLoader _hits;
    private readonly object _gate = new();
    private VectorMatrix? _matrix;

    public string Directory { get; }
    public ModelBinding? Model { get; }

    private IndexSearcher(string directory, SqliteConnection conn, ITextEncoder? encoder, ModelBinding? model)
    {
        Directory = directory; _conn = conn; _encoder = encoder; Model = model;
        _keyword = new KeywordSearcher(conn);
        _hits = new HitLoader(conn, _keyword);
    }

    /// <summary>
    /// Opens an existing index. An encoder is only needed for vector and hybrid queries; if given it
    /// must be the model the index was built with.
    /// </summary>
    public static IndexSearcher Open(string directory, ITextEncoder? encoder = null)
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
            return new IndexSearcher(directory, conn, encoder, model);
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
        lock (_gate)
        {
            var filter = TagFilter.For(request);
            string? match = request.Mode == SearchMode.Vector ? null : KeywordSearcher.MatchExpression(request);
            int needed = request.Offset + request.Top;
            // One read transaction per query: both legs and the hit rows come from the same snapshot.
            using var snapshot = new ReadSnapshot(_conn);
            IReadOnlyList<FusedDoc> ranked = request.Mode switch
            {
                SearchMode.Keyword => match is null ? Array.Empty<FusedDoc>()
                    : _keyword.Search(match, needed, filter).Select((s, i) => new FusedDoc(s.Doc, s.Score, s.Score, null, i + 1, null)).ToList(),
                SearchMode.Vector => VectorLeg(request.Query, needed, filter).Select((s, i) => new FusedDoc(s.Doc, s.Score, null, s.Score, null, i + 1)).ToList(),
                SearchMode.Hybrid => Hybrid(request, match, filter),
                _ => throw new ArgumentException($"unknown search mode {request.Mode}"),
            };
            var page = ranked.Skip(request.Offset).Take(request.Top).ToList();
            var hits = _hits.Load(page, request.Offset + 1, match, request);
            return new SearchResults(hits, request.Mode);
        }
    }

    /// <summary>Documents whose vectors are closest to the stored vectors of document <paramref name="id"/> (excluding itself).</summary>
    public SearchResults MoreLikeThis(string id, int top = 10, int offset = 0, IReadOnlyList<string>? tags = null)
    {
        new SearchRequest(id) { Top = top, Offset = offset, Tags = tags ?? Array.Empty<string>() }.Validate();
        lock (_gate)
        {
            RequireVectors();
            using var snapshot = new ReadSnapshot(_conn);
            long doc = DocRowId(id) ?? throw new KeyNotFoundException($"no document with id '{id}' in index '{Directory}'");
            var matrix = CurrentMatrix();
            var centroid = matrix.DocumentCentroid(doc) ?? throw new InvalidOperationException($"document '{id}' has no stored vectors");
            var filter = new TagFilter(tags ?? Array.Empty<string>());
            var allowed = filter.IsEmpty ? null : filter.MatchingDocs(_conn);
            var ranked = matrix.Search(centroid, offset + top, allowed, exclude: doc)
                .Select((s, i) => new FusedDoc(s.Doc, s.Score, null, s.Score, null, i + 1)).ToList();
            var hits = _hits.Load(ranked.Skip(offset).Take(top).ToList(), offset + 1, null, null);
            return new SearchResults(hits, SearchMode.Vector);
        }
    }

    public IndexStats Stats()
    {
        lock (_gate)
        {
            using var snapshot = new ReadSnapshot(_conn);
            long Count(string sql) { using var c = _conn.CreateCommand(); c.CommandText = sql; return (long)c.ExecuteScalar()!; }
            var stats = new IndexStats(Directory,
                Count("SELECT COUNT(*) FROM documents"), Count("SELECT COUNT(*) FROM vectors"),
                Count("SELECT COUNT(DISTINCT tag) FROM doc_tags"), MetaTable.Generation(_conn),
                new FileInfo(IndexDatabase.PathIn(Directory)).Length, Model, MetaTable.Get(_conn, "created_utc"));
            return stats;
        }
    }

    private IReadOnlyList<FusedDoc> Hybrid(SearchRequest request, string? match, TagFilter filter) =>
        new HybridSearcher(_keyword, (depth, f) => VectorLeg(request.Query, depth, f)).Search(request, match, filter);

    private List<ScoredDoc> VectorLeg(string query, int k, TagFilter filter)
    {
        RequireVectors();
        var encoder = _encoder ?? throw new InvalidOperationException($"vector search on index '{Directory}' needs its model ({Model!.Identity.Fingerprint}{(Model.ModelPath is null ? "" : $" at '{Model.ModelPath}'")})");
        var seq = TokenWindowSplitter.QuerySequence(encoder.TokenIds(query), encoder.Identity.MaxSeqLength, encoder.ClsId, encoder.SepId);
        var q = encoder.EncodeIds(new[] { seq }, 1)[0];
        VectorMatrix.NormalizeInPlace(q);
        var allowed = filter.IsEmpty ? null : filter.MatchingDocs(_conn);
        return CurrentMatrix().Search(q, k, allowed);
    }

    private void RequireVectors()
    {
        if (Model is null) throw new InvalidOperationException($"index '{Directory}' is keyword-only (built without a model); use keyword search");
    }

    /// <summary>Reloads the matrix when a writer has committed since it was loaded (cheap check: one meta row).</summary>
    private VectorMatrix CurrentMatrix()
    {
        long generation = MetaTable.Generation(_conn);
        if (_matrix is null || _matrix.Generation != generation) _matrix = VectorMatrix.Load(_conn, Model!.Identity.Dimension);
        return _matrix;
    }

    private long? DocRowId(string id)
    {
        using var cmd = _conn.CreateCommand();
        cmd.CommandText = "SELECT doc FROM documents WHERE id = $id";
        cmd.Parameters.AddWithValue("$id", id);
        return cmd.ExecuteScalar() as long?;
    }

    public void Dispose() => _conn.Dispose();
}
