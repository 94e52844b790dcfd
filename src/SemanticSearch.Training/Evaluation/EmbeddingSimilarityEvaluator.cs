namespace SemanticSearch.Training.Evaluation;

/// <summary>A sentence pair with a gold similarity score (any scale: only the correlation matters).</summary>
public sealed record ScoredSentencePair(string Sentence1, string Sentence2, double Score);

/// <summary>
/// sentence-transformers' EmbeddingSimilarityEvaluator for the cosine: embeds both sides, and reports Pearson and
/// Spearman correlation between cos(e1, e2) and the gold scores ("pearson_cosine", "spearman_cosine").
/// </summary>
public sealed class EmbeddingSimilarityEvaluator
{
    private readonly IReadOnlyList<ScoredSentencePair> _pairs;
    private readonly int _batchSize;

    public EmbeddingSimilarityEvaluator(IReadOnlyList<ScoredSentencePair> pairs, int batchSize = 64)
    {
        if (pairs.Count < 2) throw new ArgumentException("similarity evaluation needs at least two pairs", nameof(pairs));
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize));
        _pairs = pairs;
        _batchSize = batchSize;
    }

    public EvaluationResult Evaluate(Func<IReadOnlyList<string>, float[][]> embed)
    {
        var left = EmbeddingRows.EmbedNormalized(embed, _pairs.Select(p => p.Sentence1).ToList(), _batchSize);
        var right = EmbeddingRows.EmbedNormalized(embed, _pairs.Select(p => p.Sentence2).ToList(), _batchSize);
        var cosines = new double[_pairs.Count];
        for (int i = 0; i < cosines.Length; i++) cosines[i] = EmbeddingRows.Dot(left[i], right[i]);
        var gold = _pairs.Select(p => p.Score).ToArray();
        var result = new EvaluationResult();
        result.Add("pearson_cosine", RankCorrelation.Pearson(cosines, gold));
        result.Add("spearman_cosine", RankCorrelation.Spearman(cosines, gold));
        return result;
    }
}
