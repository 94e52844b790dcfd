using SemanticSearch.Training.Evaluation;

namespace SemanticSearch.Training.Tests;

public class EvaluatorTests
{
    // Texts are looked up in a fixed table: the "encoder" is exact, so every cosine below is known by hand.
    private static readonly Dictionary<string, float[]> Vectors = new()
    {
        ["q1"] = [1, 0], ["q2"] = [0, 1], ["q3"] = [1, 1],
        ["d1"] = [0, 1], ["d2"] = [1, 0.1f], ["d3"] = [1, 1], ["d4"] = [-1, 0],
    };

    private static float[][] Embed(IReadOnlyList<string> texts) => texts.Select(t => Vectors[t]).ToArray();

    private static InformationRetrievalEvaluator Retrieval(bool graded) => new(
        [new("Q1", "q1"), new("Q2", "q2"), new("Q3", "q3")],
        [new("D1", "d1"), new("D2", "d2"), new("D3", "d3"), new("D4", "d4")],
        new Dictionary<string, IReadOnlyDictionary<string, double>>
        {
            ["Q1"] = new Dictionary<string, double> { ["D3"] = 1, ["D1"] = 1 },
            ["Q2"] = new Dictionary<string, double> { ["D1"] = 1, ["D2"] = 3 },
            ["Q3"] = new Dictionary<string, double>(), // no relevant documents: left out, as in sentence-transformers
        },
        graded);

    [Fact]
    public void RetrievalMetricsMatchHandComputedValues()
    {
        // Q1 = (1,0) ranks D2 (.995), D3 (.707), D1 (0), D4 (−1); relevant D3, D1 at ranks 2 and 3.
        // Q2 = (0,1) ranks D1 (1), D3 (.707), D2 (.0995), D4 (0);   relevant D1, D2 at ranks 1 and 3.
        var r = Retrieval(graded: false);
        Assert.Equal(2, r.QueryCount);
        var m = r.Evaluate(Embed);
        double l3 = 1 / Math.Log2(3); // discount at rank 2
        Assert.Equal((0 + 1) / 2.0, m["accuracy@1"], 12);
        Assert.Equal(1.0, m["accuracy@5"], 12);
        Assert.Equal((0 + 1) / 2.0, m["precision@1"], 12);
        Assert.Equal((2 / 5.0 + 2 / 5.0) / 2, m["precision@5"], 12);
        Assert.Equal((0 + 0.5) / 2, m["recall@1"], 12);
        Assert.Equal(1.0, m["recall@10"], 12);
        Assert.Equal((1 / 2.0 + 1) / 2, m["mrr@10"], 12);
        double ndcgQ1 = (l3 + 0.5) / (1 + l3), ndcgQ2 = (1 + 0.5) / (1 + l3);
        Assert.Equal((ndcgQ1 + ndcgQ2) / 2, m["ndcg@10"], 12);
        double apQ1 = (1 / 2.0 + 2 / 3.0) / 2, apQ2 = (1 / 1.0 + 2 / 3.0) / 2;
        Assert.Equal((apQ1 + apQ2) / 2, m["map@100"], 12);
    }

    [Fact]
    public void GradedNdcgUsesGradesAsGains()
    {
        var m = Retrieval(graded: true).Evaluate(Embed);
        double l3 = 1 / Math.Log2(3);
        double ndcgQ1 = (l3 + 0.5) / (1 + l3);                 // both grade 1: same as binary
        double ndcgQ2 = (1 + 3 * 0.5) / (3 + 1 * l3);          // D2 (grade 3) at rank 3; ideal puts it first
        Assert.Equal((ndcgQ1 + ndcgQ2) / 2, m["ndcg@10"], 12);
    }

    [Fact]
    public void RelevantIdsOutsideTheCorpusAreRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => new InformationRetrievalEvaluator(
            [new("Q1", "q1")], [new("D1", "d1")],
            new Dictionary<string, IReadOnlyDictionary<string, double>> { ["Q1"] = new Dictionary<string, double> { ["D9"] = 1 } }));
        Assert.Contains("'D9' is not in the corpus", e.Message);
    }

    [Fact]
    public void SpearmanAveragesTiedRanks()
    {
        Assert.Equal(new[] { 2, 4, 4, 4, 1.0 }, RankCorrelation.AverageRanks([10, 20, 20, 20, 5]));
        // ranks x = (1, 2.5, 2.5, 4), y = (1, 3, 2, 4): Σdxdy = 4.5, Σdx² = 4.5, Σdy² = 5 → 4.5/√22.5 (scipy: 0.9486832980505138)
        Assert.Equal(4.5 / Math.Sqrt(22.5), RankCorrelation.Spearman([1, 2, 2, 3], [1, 3, 2, 4]), 12);
        Assert.Equal(1.0, RankCorrelation.Pearson([1, 2, 3], [2, 4, 6]), 12);
        Assert.Equal(-1.0, RankCorrelation.Spearman([1, 2, 3], [9, 4, 1]), 12);
        Assert.True(double.IsNaN(RankCorrelation.Pearson([1, 1, 1], [1, 2, 3])));
    }

    [Fact]
    public void SimilarityEvaluatorCorrelatesCosineWithGold()
    {
        // Unit vectors at angles; pair cosines are 1, 0.5, 0, −0.5.
        float[] At(double degrees) => [(float)Math.Cos(degrees * Math.PI / 180), (float)Math.Sin(degrees * Math.PI / 180)];
        var table = new Dictionary<string, float[]> { ["a"] = At(0), ["b"] = At(0), ["c"] = At(60), ["d"] = At(90), ["e"] = At(120) };
        var calls = new List<int>();
        float[][] Embed(IReadOnlyList<string> texts) { calls.Add(texts.Count); return texts.Select(t => table[t]).ToArray(); }
        var pairs = new List<ScoredSentencePair> { new("a", "b", 4), new("a", "c", 3), new("a", "d", 3), new("a", "e", 0) };
        var m = new EmbeddingSimilarityEvaluator(pairs, batchSize: 3).Evaluate(Embed);
        // Ranks cos (4, 3, 2, 1) vs gold (4, 2.5, 2.5, 1): Σdxdy = 4.5, Σdx² = 5, Σdy² = 4.5.
        Assert.Equal(4.5 / Math.Sqrt(22.5), m["spearman_cosine"], 5);
        double[] cos = [1, 0.5, 0, -0.5], gold = [4, 3, 3, 0];
        Assert.Equal(RankCorrelation.Pearson(cos, gold), m["pearson_cosine"], 5);
        Assert.All(calls, n => Assert.True(n <= 3));
        Assert.Equal(8, calls.Sum());
    }
}
