using SemanticSearch.Training.Data;
using SemanticSearch.Training.Evaluation;
using SemanticSearch.Training.Loop;

namespace SemanticSearch.Training.Tests;

/// <summary>Small synthetic data sets for the loop tests: topics of a few words each, paraphrased by word choice.</summary>
internal static class LoopTestData
{
    private static readonly string[][] Topics =
    [
        ["card", "arrive", "delivery"], ["pin", "code", "blocked"], ["refund", "return", "money"], ["transfer", "bank", "pending"],
        ["exchange", "rate", "currency"], ["top", "up", "failed"], ["cash", "atm", "withdrawal"], ["fee", "charge", "extra"],
        ["password", "login", "reset"], ["address", "change", "details"], ["contactless", "tap", "payment"], ["virtual", "card", "online"],
    ];

    /// <summary>Anchor/positive pairs: two texts of the same topic built from different word orders and fillers.</summary>
    public static TrainingExamples AnchorPositive(int perTopic = 4)
    {
        var examples = new List<AnchorPositiveExample>();
        for (int t = 0; t < Topics.Length; t++)
            for (int i = 0; i < perTopic; i++)
            {
                var w = Topics[t];
                examples.Add(new AnchorPositiveExample($"my {w[i % 3]} {w[(i + 1) % 3]} question {i}", $"{w[(i + 2) % 3]} {w[i % 3]} help {t}", null));
            }
        return TrainingExamples.FromAnchorPositive(examples);
    }

    /// <summary>Scored pairs: same topic → 1, different topics → 0 (or the reverse, for an evaluator training makes worse).</summary>
    public static List<ScoredPairExample> ScoredPairs(int count, bool reversed = false)
    {
        var pairs = new List<ScoredPairExample>();
        for (int i = 0; i < count; i++)
        {
            int t = i % Topics.Length, u = i % 2 == 0 ? t : (t + 1 + i / Topics.Length) % Topics.Length;
            float score = t == u ? 1f : 0f;
            pairs.Add(new ScoredPairExample($"{Topics[t][0]} {Topics[t][1]} {i % 3}", $"{Topics[u][2]} {Topics[u][1]} now", reversed ? 1 - score : score));
        }
        return pairs;
    }

    public static TrainingEvaluator SimilarityEvaluator(List<ScoredPairExample> pairs) =>
        TrainingEvaluator.ForSimilarity(new EmbeddingSimilarityEvaluator(
            pairs.Select(p => new ScoredSentencePair(p.Sentence1, p.Sentence2, p.Score)).ToList()), pairs.Count);

    public static string TempDirectory()
    {
        string dir = Path.Combine(Path.GetTempPath(), "semsearch-loop-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>IProgress that runs synchronously on the training thread (Progress&lt;T&gt; would post and race).</summary>
    public sealed class SyncProgress(Action<TrainingProgress> onReport) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => onReport(value);
    }
}
