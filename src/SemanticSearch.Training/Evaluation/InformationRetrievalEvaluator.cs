namespace SemanticSearch.Training.Evaluation;

/// <summary>A text with its id (query or corpus document).</summary>
public sealed record IdentifiedText(string Id, string Text);

/// <summary>
/// sentence-transformers' InformationRetrievalEvaluator with cosine scores: embeds queries and corpus, ranks the
/// corpus for each query by cosine (ties broken by corpus order, so results are deterministic), and averages over
/// queries that have at least one relevant document: accuracy@k, precision@k, recall@k for k in {1, 5, 10, 100},
/// mrr@10, ndcg@10 and map@100.
/// </summary>
public sealed class InformationRetrievalEvaluator
{
    public static readonly IReadOnlyList<int> CutoffsK = [1, 5, 10, 100];
    private const int MrrK = 10, NdcgK = 10, MapK = 100;

    private readonly List<IdentifiedText> _queries;
    private readonly IReadOnlyList<IdentifiedText> _corpus;
    private readonly IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> _relevant;
    private readonly bool _graded;
    private readonly int _batchSize;

    /// <param name="relevant">query id → (relevant document id → grade &gt; 0)</param>
    /// <param name="graded">use the grades as nDCG gains; false treats every relevant document as gain 1</param>
    public InformationRetrievalEvaluator(IReadOnlyList<IdentifiedText> queries, IReadOnlyList<IdentifiedText> corpus,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, double>> relevant, bool graded = false, int batchSize = 64)
    {
        if (corpus.Count == 0) throw new ArgumentException("the corpus is empty", nameof(corpus));
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize));
        var corpusIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var doc in corpus)
            if (!corpusIds.Add(doc.Id)) throw new ArgumentException($"corpus id '{doc.Id}' appears twice", nameof(corpus));
        foreach (var (queryId, grades) in relevant)
            foreach (var (docId, grade) in grades)
            {
                if (!corpusIds.Contains(docId))
                    throw new ArgumentException($"query '{queryId}': relevant document '{docId}' is not in the corpus", nameof(relevant));
                if (!(grade > 0))
                    throw new ArgumentException($"query '{queryId}': document '{docId}' has grade {grade}, relevant grades must be > 0", nameof(relevant));
            }
        // Like the library: queries without relevant documents cannot be scored and are left out.
        _queries = queries.Where(q => relevant.TryGetValue(q.Id, out var g) && g.Count > 0).ToList();
        if (_queries.Count == 0) throw new ArgumentException("no query has a relevant document", nameof(relevant));
        _corpus = corpus;
        _relevant = relevant;
        _graded = graded;
        _batchSize = batchSize;
    }

    public int QueryCount => _queries.Count;

    /// <param name="embed">embeds corpus documents</param>
    /// <param name="embedQueries">embeds queries (a model with a query prefix applies it here only); null: <paramref name="embed"/></param>
    public EvaluationResult Evaluate(Func<IReadOnlyList<string>, float[][]> embed, Func<IReadOnlyList<string>, float[][]>? embedQueries = null)
    {
        var q = EmbeddingRows.EmbedNormalized(embedQueries ?? embed, _queries.Select(x => x.Text).ToList(), _batchSize);
        var c = EmbeddingRows.EmbedNormalized(embed, _corpus.Select(x => x.Text).ToList(), _batchSize);
        int depth = Math.Max(CutoffsK.Max(), MapK);

        var sums = new Dictionary<string, double>(StringComparer.Ordinal);
        var order = new List<string>();
        void Add(string name, double value)
        {
            if (!sums.ContainsKey(name)) { sums[name] = 0; order.Add(name); }
            sums[name] += value;
        }

        var scores = new double[_corpus.Count];
        for (int i = 0; i < _queries.Count; i++)
        {
            for (int j = 0; j < scores.Length; j++) scores[j] = EmbeddingRows.Dot(q[i], c[j]);
            var ranked = Enumerable.Range(0, scores.Length)
                .OrderByDescending(j => scores[j]).ThenBy(j => j)
                .Take(depth).Select(j => _corpus[j].Id).ToList();
            var grades = _relevant[_queries[i].Id];
            foreach (int k in CutoffsK) Add($"accuracy@{k}", RetrievalMetrics.AccuracyAtK(ranked, grades, k));
            foreach (int k in CutoffsK) Add($"precision@{k}", RetrievalMetrics.PrecisionAtK(ranked, grades, k));
            foreach (int k in CutoffsK) Add($"recall@{k}", RetrievalMetrics.RecallAtK(ranked, grades, k));
            Add($"mrr@{MrrK}", RetrievalMetrics.MrrAtK(ranked, grades, MrrK));
            Add($"ndcg@{NdcgK}", RetrievalMetrics.NdcgAtK(ranked, grades, NdcgK, _graded));
            Add($"map@{MapK}", RetrievalMetrics.AveragePrecisionAtK(ranked, grades, MapK));
        }
        var result = new EvaluationResult();
        foreach (var name in order) result.Add(name, sums[name] / _queries.Count);
        return result;
    }
}
