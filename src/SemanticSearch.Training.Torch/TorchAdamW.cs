using SemanticSearch.Training.Optimization;
using static TorchSharp.torch;

namespace SemanticSearch.Training.Torch;

/// <summary>
/// torch.optim.AdamW's single-tensor step over device tensors, with the managed optimizer's parameter groups
/// (<see cref="WeightDecayGrouping"/>: no decay on biases and LayerNorm) and clip_grad_norm_. Written out rather than
/// taken from TorchSharp's optimizer so the moments can be read and written for the loop's checkpoints (the managed
/// AdamW's file format) and the order of operations is visibly PyTorch's:
///   p ← p·(1 − lr·wd);  m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²;  p ← p − lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + ε)
/// </summary>
internal sealed class TorchAdamW : IDisposable
{
    public const double Beta1 = 0.9, Beta2 = 0.999, Epsilon = 1e-8;

    private readonly List<(Tensor Parameter, string Name, double WeightDecay, Tensor M, Tensor V)> _entries = [];

    public TorchAdamW(IEnumerable<(string Name, Tensor Parameter)> parameters, double weightDecay)
    {
        using var _ = no_grad();
        foreach (var (name, p) in parameters)
            _entries.Add((p, name, WeightDecayGrouping.IsDecayed(name) ? weightDecay : 0.0,
                zeros_like(p).DetachFromDisposeScope(), zeros_like(p).DetachFromDisposeScope()));
    }

    public long StepCount { get; set; }
    public IEnumerable<(string Name, Tensor M, Tensor V)> Moments => _entries.Select(e => (e.Name, e.M, e.V));

    public void Step(double learningRate)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        StepCount++;
        double biasCorrection1 = 1 - Math.Pow(Beta1, StepCount);
        double biasCorrection2Sqrt = Math.Sqrt(1 - Math.Pow(Beta2, StepCount));
        double stepSize = learningRate / biasCorrection1;
        foreach (var (p, _, wd, m, v) in _entries)
        {
            if (p.grad is not { } g) continue;
            if (wd != 0) p.mul_(1 - learningRate * wd);
            m.mul_(Beta1).add_(g, alpha: 1 - Beta1);
            v.mul_(Beta2).addcmul_(g, g, value: 1 - Beta2);
            var denom = v.sqrt().div_(biasCorrection2Sqrt).add_(Epsilon);
            p.addcdiv_(m, denom, value: -stepSize);
        }
    }

    public void ZeroGradients()
    {
        using var _ = no_grad();
        foreach (var e in _entries) e.Parameter.grad?.zero_();
    }

    /// <summary>‖all gradients‖₂ in float64; every gradient × min(1, maxNorm/(total + 1e-6)). Returns the norm before.</summary>
    public double ClipGlobalNorm(double maxNorm)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var grads = _entries.Select(e => e.Parameter.grad).OfType<Tensor>().ToList();
        if (grads.Count == 0) return 0;
        double total = Math.Sqrt(stack(grads.Select(g => g.to(ScalarType.Float64).pow(2).sum()).ToArray()).sum().cpu().item<double>());
        double coefficient = Math.Min(1.0, maxNorm / (total + 1e-6));
        if (coefficient < 1.0) foreach (var g in grads) g.mul_(coefficient);
        return total;
    }

    /// <summary>The first parameter whose gradient holds a NaN or ±Inf, or null.</summary>
    public string? FindNonFinite()
    {
        using var scope = NewDisposeScope();
        foreach (var e in _entries)
            if (e.Parameter.grad is { } g && !g.isfinite().all().cpu().item<bool>())
                return $"non-finite gradient in {e.Name}";
        return null;
    }

    public void Dispose()
    {
        foreach (var e in _entries) { e.M.Dispose(); e.V.Dispose(); }
        _entries.Clear();
    }
}
