namespace SemanticSearch.Training.Optimization;

/// <summary>
/// torch.optim.AdamW (single-tensor path) over parameter groups. Per element, at step t with learning rate lr:
///   p  ← p · (1 − lr · wd)                      decoupled weight decay, before the moment update
///   m  ← β1 m + (1 − β1) g
///   v  ← β2 v + (1 − β2) g²
///   p  ← p − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε)
/// ε is added after dividing √v by the bias correction, exactly PyTorch's ordering. The learning rate is passed to
/// each <see cref="Step"/> so a schedule can drive it. Moments are kept in float32, like torch for float32 params;
/// the arithmetic per element is done in double and rounded once.
/// </summary>
public sealed class AdamW
{
    private readonly Dictionary<string, (float[] M, float[] V)> _state = new(StringComparer.Ordinal);

    public AdamW(IReadOnlyList<ParameterGroup> groups, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in groups.SelectMany(g => g.Parameters))
            if (!seen.Add(p.Name)) throw new ArgumentException($"parameter '{p.Name}' appears twice in the optimizer groups");
        Groups = groups;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        foreach (var p in groups.SelectMany(g => g.Parameters))
            _state[p.Name] = (new float[p.Values.Length], new float[p.Values.Length]);
    }

    public IReadOnlyList<ParameterGroup> Groups { get; }
    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Epsilon { get; }

    /// <summary>Optimizer steps taken so far (torch keeps one per parameter; they are always equal here).</summary>
    public long StepCount { get; private set; }

    public void Step(double learningRate)
    {
        StepCount++;
        double biasCorrection1 = 1 - Math.Pow(Beta1, StepCount);
        double biasCorrection2Sqrt = Math.Sqrt(1 - Math.Pow(Beta2, StepCount));
        double stepSize = learningRate / biasCorrection1;
        foreach (var group in Groups)
        {
            double decay = 1 - learningRate * group.WeightDecay;
            foreach (var parameter in group.Parameters)
            {
                var p = parameter.Values.AsSpan();
                var g = parameter.Gradients.AsSpan();
                var (m, v) = _state[parameter.Name];
                for (int i = 0; i < p.Length; i++)
                {
                    double pi = p[i] * decay;
                    double mi = Beta1 * m[i] + (1 - Beta1) * g[i];
                    double vi = Beta2 * v[i] + (1 - Beta2) * (double)g[i] * g[i];
                    m[i] = (float)mi;
                    v[i] = (float)vi;
                    double denom = Math.Sqrt(v[i]) / biasCorrection2Sqrt + Epsilon;
                    p[i] = (float)(pi - stepSize * m[i] / denom);
                }
            }
        }
    }

    public void ZeroGradients()
    {
        foreach (var p in Groups.SelectMany(g => g.Parameters)) Array.Clear(p.Gradients);
    }

    /// <summary>First and second moments of one parameter (for checkpoints and tests).</summary>
    public (float[] ExpAvg, float[] ExpAvgSq) State(string parameterName) =>
        _state.TryGetValue(parameterName, out var s) ? s : throw new KeyNotFoundException($"no optimizer state for '{parameterName}'");

    internal void Restore(long stepCount, string parameterName, float[] m, float[] v)
    {
        var (curM, curV) = State(parameterName);
        if (m.Length != curM.Length)
            throw new InvalidDataException($"optimizer state for '{parameterName}' has {m.Length} values, parameter has {curM.Length}");
        m.CopyTo(curM, 0);
        v.CopyTo(curV, 0);
        StepCount = stepCount;
    }

    internal IEnumerable<string> ParameterNames => Groups.SelectMany(g => g.Parameters).Select(p => p.Name);
}
