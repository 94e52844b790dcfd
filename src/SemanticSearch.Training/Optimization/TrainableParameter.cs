namespace SemanticSearch.Training.Optimization;

/// <summary>
/// One named parameter tensor of a model under training. <see cref="Values"/> is the model's live weight array (the
/// optimizer updates it in place, so the model sees the new weights at once); <see cref="Gradients"/> accumulates
/// dLoss/dValues in float32 across backward passes until they are cleared. The name follows the checkpoint's
/// (Hugging Face) naming, e.g. "encoder.layer.0.attention.output.LayerNorm.weight", because the weight-decay rule,
/// the optimizer-state file and parameter snapshots key on it. Training graphs, the optimizer, clipping and the
/// checkpoint files all share this one type.
/// </summary>
public sealed class TrainableParameter
{
    /// <summary>A parameter with its own zeroed gradient buffer.</summary>
    public TrainableParameter(string name, int[] shape, float[] values) : this(name, shape, values, new float[values.Length]) { }

    /// <summary>A flat parameter whose gradient buffer the caller owns (heads and tests that compute gradients themselves).</summary>
    public TrainableParameter(string name, float[] values, float[] gradients) : this(name, [values.Length], values, gradients) { }

    public TrainableParameter(string name, int[] shape, float[] values, float[] gradients)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("parameter name is empty", nameof(name));
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(gradients);
        long count = 1;
        foreach (int d in shape) count *= d;
        if (count != values.Length)
            throw new ArgumentException($"parameter '{name}': shape [{string.Join(", ", shape)}] has {count} elements, the array {values.Length}");
        if (values.Length != gradients.Length)
            throw new ArgumentException($"parameter '{name}': {values.Length} values but {gradients.Length} gradients");
        Name = name;
        Shape = shape;
        Values = values;
        Gradients = gradients;
    }

    /// <summary>Hugging Face name, e.g. "encoder.layer.0.output.dense.bias"; the fused projection is "…attention.self.qkv.weight" [3H, H].</summary>
    public string Name { get; }
    public int[] Shape { get; }
    public float[] Values { get; }
    public float[] Gradients { get; }
    /// <summary>A frozen parameter gets no gradient (backward leaves Gradients untouched and skips work that only it needs).</summary>
    public bool Frozen { get; set; }

    /// <summary>The gradient span a backward pass writes into: empty when frozen, so kernels skip it.</summary>
    internal Span<float> GradientsOrEmpty => Frozen ? Span<float>.Empty : Gradients;
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
