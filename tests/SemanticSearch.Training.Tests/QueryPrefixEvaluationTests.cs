using SemanticSearch.Training.Evaluation;
using SemanticSearch.Training.Loop;

namespace SemanticSearch.Training.Tests;

/// <summary>The IR evaluator embeds queries with the query embedder (a model's prefix) and the corpus without it.</summary>
public class QueryPrefixEvaluationTests
{
    [Fact]
    public void Queries_go_through_the_query_embedder_and_documents_do_not()
    {
        var corpus = new[] { new IdentifiedText("d1", "alpha"), new IdentifiedText("d2", "beta") };
        var queries = new[] { new IdentifiedText("q1", "what is alpha") };
        var relevant = new Dictionary<string, IReadOnlyDictionary<string, double>> { ["q1"] = new Dictionary<string, double> { ["d2"] = 1 } };
        var evaluator = new InformationRetrievalEvaluator(queries, corpus, relevant);
        var documentsSeen = new List<string>();
        var queriesSeen = new List<string>();
        float[][] Documents(IReadOnlyList<string> texts) { documentsSeen.AddRange(texts); return texts.Select(t => t.Contains("beta") ? new[] { 0f, 1f } : new[] { 1f, 0f }).ToArray(); }
        float[][] Queries(IReadOnlyList<string> texts) { queriesSeen.AddRange(texts); return texts.Select(_ => new[] { 0f, 1f }).ToArray(); }

        var withPrefix = TrainingEvaluator.ForRetrieval(evaluator).Evaluate(Documents, Queries);
        Assert.Equal(["alpha", "beta"], documentsSeen);
        Assert.Equal(["what is alpha"], queriesSeen);
        Assert.Equal(1.0, withPrefix["accuracy@1"]);

        var plain = evaluator.Evaluate(Documents); // no query embedder: queries embedded like documents
        Assert.Equal(0.0, plain["accuracy@1"]);
    }
}
