namespace SemanticSearch.Training.Optimization;

/// <summary>
/// One named parameter tensor as the optimizer sees it: flat values and the gradient accumulated for them.
/// The name follows the checkpoint's (Hugging Face) naming, e.g. "encoder.layer.0.attention.output.LayerNorm.weight",
/// because the weight-decay rule and the optimizer-state file key on it.
/// </summary>
public sealed class TrainableParameter
{
    public TrainableParameter(string name, Memory<float> values, Memory<float> gradients)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("parameter name is empty", nameof(name));
        if (values.Length != gradients.Length)
            throw new ArgumentException($"parameter '{name}': {values.Length} values but {gradients.Length} gradients");
        Name = name;
        Values = values;
        Gradients = gradients;
    }

    public string Name { get; }
    public Memory<float> Values { get; }
    public Memory<float> Gradients { get; }
}

/// <summary>Parameters sharing one weight-decay setting (a torch optimizer param group).</summary>
public sealed record ParameterGroup(string Name, double WeightDecay, IReadOnlyList<TrainableParameter> Parameters);

/// <summary>
/// The grouping sentence-transformers' fit() uses: every parameter whose name contains "bias", "LayerNorm.bias" or
/// "LayerNorm.weight" gets no weight decay (shifts and gains should not be pulled toward zero); all others decay.
/// </summary>
public static class WeightDecayGrouping
{
    public static readonly IReadOnlyList<string> NoDecaySubstrings = ["bias", "LayerNorm.bias", "LayerNorm.weight"];

    public static bool IsDecayed(string parameterName) =>
        !NoDecaySubstrings.Any(s => parameterName.Contains(s, StringComparison.Ordinal));

    public static IReadOnlyList<ParameterGroup> Split(IEnumerable<TrainableParameter> parameters, double weightDecay)
    {
        var all = parameters.ToList();
        return
        [
            new ParameterGroup("decay", weightDecay, all.Where(p => IsDecayed(p.Name)).ToList()),
            new ParameterGroup("no_decay", 0.0, all.Where(p => !IsDecayed(p.Name)).ToList()),
        ];
    }
}
