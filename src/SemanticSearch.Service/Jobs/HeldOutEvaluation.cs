using SemanticSearch.Training.Data;
using SemanticSearch.Training.Evaluation;
using SemanticSearch.Training.Loop;

namespace SemanticSearch.Service.Jobs;

/// <summary>
/// The eval_fraction of a job: a seeded split of the pairs into training pairs and held-out pairs,
/// and the evaluator over the held-out ones. Anchor/positive pairs are evaluated as retrieval (each
/// anchor must find its own positive among all held-out positives, sentence-transformers'
/// InformationRetrievalEvaluator); scored and labelled pairs as similarity (Spearman/Pearson of cosine
/// against the score or label).
/// </summary>
internal static class HeldOutEvaluation
{
    public const int MinimumHeldOut = 2;

    /// <summary>The pairs in a seeded random order, the first <c>held</c> of them held out.</summary>
    public static (List<T> Train, List<T> HeldOut) Split<T>(IReadOnlyList<T> pairs, double fraction, int seed)
    {
        int held = (int)Math.Round(fraction * pairs.Count, MidpointRounding.AwayFromZero);
        if (held < MinimumHeldOut)
            throw new InvalidOperationException(
                $"eval_fraction {fraction} of {pairs.Count} pairs holds out {held}; evaluation needs at least {MinimumHeldOut} held-out pairs (raise eval_fraction or send more pairs)");
        var order = Enumerable.Range(0, pairs.Count).ToArray();
        new Random(seed).Shuffle(order);
        var heldOut = order.Take(held).Order().Select(i => pairs[i]).ToList();
        var train = order.Skip(held).Order().Select(i => pairs[i]).ToList();
        return (train, heldOut);
    }

    public static TrainingEvaluator Retrieval(IReadOnlyList<AnchorPositiveExample> heldOut)
    {
        var queries = heldOut.Select((p, i) => new IdentifiedText($"q{i}", p.Anchor)).ToList();
        var corpus = heldOut.Select((p, i) => new IdentifiedText($"d{i}", p.Positive)).ToList();
        var relevant = heldOut.Select((_, i) => i).ToDictionary(i => $"q{i}",
            i => (IReadOnlyDictionary<string, double>)new Dictionary<string, double> { [$"d{i}"] = 1.0 });
        return TrainingEvaluator.ForRetrieval(new InformationRetrievalEvaluator(queries, corpus, relevant));
    }

    public static TrainingEvaluator Similarity(IReadOnlyList<ScoredSentencePair> heldOut) =>
        TrainingEvaluator.ForSimilarity(new EmbeddingSimilarityEvaluator(heldOut), heldOut.Count);
}
