namespace SemanticSearch.Training.Optimization;

/// <summary>Where the first NaN or ±Inf gradient sits, for the training loop's guard (skip the step, report it).</summary>
public readonly record struct NonFiniteValue(string ParameterName, int Index, float Value)
{
    public override string ToString() => $"non-finite gradient {Value} in '{ParameterName}' at index {Index}";
}

public static class NonFiniteGradientCheck
{
    /// <summary>The first non-finite gradient element in parameter order, or null when all are finite.</summary>
    public static NonFiniteValue? FindFirst(IEnumerable<TrainableParameter> parameters)
    {
        foreach (var p in parameters)
        {
            var g = p.Gradients;
            for (int i = 0; i < g.Length; i++)
                if (!float.IsFinite(g[i])) return new NonFiniteValue(p.Name, i, g[i]);
        }
        return null;
    }

    public static bool IsFinite(double value) => double.IsFinite(value);
}
