using SemanticSearch.Training.Data;
using SemanticSearch.Training.Evaluation;

namespace SemanticSearch.Training.Loop;

/// <summary>
/// An evaluator the loop runs before training, every --eval-steps and after training, with the metric that early
/// stopping and the best checkpoint follow (higher is better).
/// </summary>
public sealed class TrainingEvaluator
{
    private readonly Func<Func<IReadOnlyList<string>, float[][]>, Func<IReadOnlyList<string>, float[][]>?, EvaluationResult> _evaluate;

    /// <param name="evaluate">(embed documents, embed queries or null for "same as documents") → metrics</param>
    public TrainingEvaluator(string description, string primaryMetric, Func<Func<IReadOnlyList<string>, float[][]>, Func<IReadOnlyList<string>, float[][]>?, EvaluationResult> evaluate)
    {
        Description = description;
        PrimaryMetric = primaryMetric;
        _evaluate = evaluate;
    }

    public string Description { get; }
    public string PrimaryMetric { get; }

    /// <param name="embedQueries">embeds search queries (with the model's query prefix); null: <paramref name="embed"/></param>
    public EvaluationResult Evaluate(Func<IReadOnlyList<string>, float[][]> embed, Func<IReadOnlyList<string>, float[][]>? embedQueries = null) => _evaluate(embed, embedQueries);

    public static TrainingEvaluator ForRetrieval(InformationRetrievalEvaluator evaluator, string primaryMetric = "ndcg@10") =>
        new($"retrieval ({evaluator.QueryCount} queries)", primaryMetric, evaluator.Evaluate);

    public static TrainingEvaluator ForSimilarity(EmbeddingSimilarityEvaluator evaluator, int pairs) =>
        new($"similarity ({pairs} scored pairs)", "spearman_cosine", (embed, _) => evaluator.Evaluate(embed));

    /// <summary>
    /// A folder is a BEIR-style retrieval set (<see cref="BeirFolderReader"/>); a file is JSONL scored pairs
    /// {"sentence1", "sentence2", "score" in [0, 1]} (the cosent/cosine training format).
    /// </summary>
    public static TrainingEvaluator Load(string path, string? retrievalMetric = null)
    {
        if (Directory.Exists(path))
        {
            var set = BeirFolderReader.Read(path);
            return ForRetrieval(new InformationRetrievalEvaluator(set.Queries, set.Corpus, set.Relevant), retrievalMetric ?? "ndcg@10");
        }
        if (!File.Exists(path)) throw new FileNotFoundException($"evaluation data not found: {path} (expected a BEIR folder or a scored-pairs JSONL file)", path);
        var pairs = PairFileReader.ReadScoredPairs(path);
        return ForSimilarity(new EmbeddingSimilarityEvaluator(pairs.Select(p => new ScoredSentencePair(p.Sentence1, p.Sentence2, p.Score)).ToList()), pairs.Count);
    }
}
