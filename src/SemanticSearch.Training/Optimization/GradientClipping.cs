namespace SemanticSearch.Training.Optimization;

/// <summary>
/// torch.nn.utils.clip_grad_norm_ with the L2 norm: total = ‖all gradients concatenated‖₂, then every gradient is
/// multiplied by min(1, maxNorm / (total + 1e-6)). The 1e-6 keeps the division finite for zero gradients and makes
/// a clipped norm land just under maxNorm. Returns the norm before clipping (what the training log reports).
/// </summary>
public static class GradientClipping
{
    public static double ClipGlobalNorm(IEnumerable<TrainableParameter> parameters, double maxNorm)
    {
        if (!(maxNorm > 0)) throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "must be positive");
        var list = parameters.ToList();
        double sumSq = 0;
        foreach (var p in list)
            foreach (float g in p.Gradients) sumSq += (double)g * g;
        double total = Math.Sqrt(sumSq);
        double coefficient = Math.Min(1.0, maxNorm / (total + 1e-6));
        if (coefficient < 1.0)
            foreach (var p in list)
            {
                var g = p.Gradients;
                for (int i = 0; i < g.Length; i++) g[i] = (float)(g[i] * coefficient);
            }
        return total;
    }
}
