namespace SemanticSearch.Training.Evaluation;

/// <summary>Named metric values in a fixed order (the order metrics.jsonl and the chart use).</summary>
public sealed class EvaluationResult
{
    private readonly List<KeyValuePair<string, double>> _metrics = [];

    public IReadOnlyList<KeyValuePair<string, double>> Metrics => _metrics;

    public double this[string name] =>
        _metrics.FirstOrDefault(m => m.Key == name) is { Key: not null } found
            ? found.Value
            : throw new KeyNotFoundException($"no metric '{name}'; have {string.Join(", ", _metrics.Select(m => m.Key))}");

    internal void Add(string name, double value) => _metrics.Add(new(name, value));
}
