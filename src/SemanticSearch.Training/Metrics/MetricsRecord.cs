namespace SemanticSearch.Training.Metrics;

/// <summary>
/// One line of metrics.jsonl: the optimizer step, what produced it ("train" for loss/lr, "eval" for an evaluator),
/// and named values in the order they are written.
/// </summary>
public sealed record MetricsRecord(long Step, string Kind, IReadOnlyList<KeyValuePair<string, double>> Values)
{
    public static MetricsRecord Of(long step, string kind, params (string Name, double Value)[] values) =>
        new(step, kind, values.Select(v => new KeyValuePair<string, double>(v.Name, v.Value)).ToList());
}
