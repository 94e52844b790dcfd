using SemanticSearch.Service.Api;
using SemanticSearch.Service.Api.V1;
using SemanticSearch.Service.Jobs;
using RpcStatus = Grpc.Core.StatusCode;

namespace SemanticSearch.Service.Tests;

/// <summary>eval_fraction: the seeded split of the pairs and the validation of the option.</summary>
public sealed class ApiHeldOutEvaluationTests
{
    [Fact]
    public void Split_holds_out_the_rounded_fraction_disjoint_from_training_and_the_same_for_the_same_seed()
    {
        var pairs = Enumerable.Range(0, 20).ToList();
        var (train, held) = HeldOutEvaluation.Split(pairs, 0.25, seed: 3);
        Assert.Equal(5, held.Count);
        Assert.Equal(15, train.Count);
        Assert.Empty(train.Intersect(held));
        Assert.Equal(pairs, train.Concat(held).Order());
        Assert.Equal(held, HeldOutEvaluation.Split(pairs, 0.25, seed: 3).HeldOut);
        Assert.NotEqual(held, HeldOutEvaluation.Split(pairs, 0.25, seed: 4).HeldOut);
        var e = Assert.Throws<InvalidOperationException>(() => HeldOutEvaluation.Split(pairs, 0.04, seed: 3));
        Assert.Contains("holds out 1", e.Message);
    }

    [Fact]
    public void Retrieval_evaluation_of_held_out_pairs_scores_a_perfect_embedding_at_one()
    {
        var held = new[] { new Training.Data.AnchorPositiveExample("lost card", "card lost", null), new("fee", "fee info", null), new("rate", "rate info", null) };
        var evaluator = HeldOutEvaluation.Retrieval(held);
        // An "embedding" that maps each anchor and its positive to the same one-hot vector.
        var index = new Dictionary<string, int> { ["lost card"] = 0, ["card lost"] = 0, ["fee"] = 1, ["fee info"] = 1, ["rate"] = 2, ["rate info"] = 2 };
        var result = evaluator.Evaluate(texts => texts.Select(t => { var v = new float[3]; v[index[t]] = 1; return v; }).ToArray());
        Assert.Equal(1.0, result["ndcg@10"], 6);
        Assert.Equal(1.0, result["accuracy@1"], 6);
    }

    [Theory]
    [InlineData(0.5, 10, "options.eval_fraction must be in [0, 0.5)")]
    [InlineData(-0.1, 10, "options.eval_fraction must be in [0, 0.5)")]
    [InlineData(0.1, 10, "holds out 1; at least 2 are needed")]
    public void Bad_eval_fraction_is_INVALID_ARGUMENT_naming_the_field(double fraction, int pairs, string expected)
    {
        var request = new StartFineTuneRequest { Pairs = new PairList(), Options = new TrainingOptions { EvalFraction = fraction } };
        for (int i = 0; i < pairs; i++) request.Pairs.Pairs.Add(new TrainingPair { TextA = $"a{i}", TextB = $"b{i}" });
        var e = Assert.Throws<Grpc.Core.RpcException>(() => TrainingOptionsValidator.Validate(request));
        Assert.Equal(RpcStatus.InvalidArgument, e.StatusCode);
        Assert.Contains(expected, e.Status.Detail);
        request.Options.EvalFraction = 0.2;
        TrainingOptionsValidator.Validate(request); // 2 of 10 held out: accepted
    }
}
