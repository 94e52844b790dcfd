using System.Text.Json;
using SemanticSearch.Training.Losses;

namespace SemanticSearch.Training.Tests;

/// <summary>Builds the loss and the batch for a reference case by name.</summary>
internal static class LossCases
{
    public static IEmbeddingLoss LossFor(JsonElement c)
    {
        string name = c.GetProperty("name").GetString()!;
        IEmbeddingLoss Inner(string n) => n switch
        {
            "mnrl" or "mnrl_hard_negative" => new MultipleNegativesRankingLoss(),
            "mnrl_symmetric" or "mnrl_symmetric_hard_negative" => new MultipleNegativesRankingLoss(symmetric: true),
            "cosent" => new CoSentLoss(),
            "cosine_similarity" => new CosineSimilarityLoss(),
            "contrastive" => new ContrastiveLoss(),
            "online_contrastive" => new OnlineContrastiveLoss(),
            _ => throw new ArgumentException($"no loss for reference case '{n}'"),
        };
        if (name.StartsWith("matryoshka_", StringComparison.Ordinal))
        {
            string inner = name.Contains("cosent") ? "cosent" : "mnrl";
            var dims = c.GetProperty("dims").EnumerateArray().Select(e => e.GetInt32()).ToList();
            var weights = ReferenceFixture.Doubles(c.GetProperty("weights"));
            return new MatryoshkaLoss(Inner(inner), dims, weights);
        }
        return Inner(name);
    }

    public static EmbeddingBatch BatchFor(JsonElement c)
    {
        var columns = c.GetProperty("columns").EnumerateArray().Select(ReferenceFixture.Floats).ToList();
        var labels = c.GetProperty("labels").ValueKind == JsonValueKind.Null ? null : ReferenceFixture.Floats(c.GetProperty("labels"));
        return new EmbeddingBatch(c.GetProperty("rows").GetInt32(), c.GetProperty("dim").GetInt32(), columns, labels);
    }

    public static double Norm(IEnumerable<float[]> arrays) => Math.Sqrt(arrays.SelectMany(a => a).Sum(x => (double)x * x));
}
