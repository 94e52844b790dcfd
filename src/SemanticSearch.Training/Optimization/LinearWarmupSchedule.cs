namespace SemanticSearch.Training.Optimization;

/// <summary>
/// transformers.get_linear_schedule_with_warmup: the multiplier rises linearly from 0 to 1 over the warm-up steps,
/// then falls linearly to 0 at <see cref="TotalSteps"/> and stays there.
///   f(s) = s / max(1, warmup)                              for s &lt; warmup
///   f(s) = max(0, (total − s) / max(1, total − warmup))   otherwise
/// As with LambdaLR, step s is the number of scheduler steps taken so far; the first optimizer step of a loop that
/// advances the scheduler after the optimizer runs at f(0) = 0.
/// </summary>
public sealed class LinearWarmupSchedule
{
    public LinearWarmupSchedule(double baseLearningRate, int warmupSteps, int totalSteps)
    {
        if (warmupSteps < 0) throw new ArgumentOutOfRangeException(nameof(warmupSteps), warmupSteps, "must be >= 0");
        if (totalSteps < warmupSteps)
            throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, $"must be >= warm-up steps ({warmupSteps})");
        BaseLearningRate = baseLearningRate;
        WarmupSteps = warmupSteps;
        TotalSteps = totalSteps;
    }

    public double BaseLearningRate { get; }
    public int WarmupSteps { get; }
    public int TotalSteps { get; }

    public double Multiplier(long step) =>
        step < WarmupSteps
            ? (double)step / Math.Max(1, WarmupSteps)
            : Math.Max(0.0, (double)(TotalSteps - step) / Math.Max(1, TotalSteps - WarmupSteps));

    public double LearningRate(long step) => BaseLearningRate * Multiplier(step);
}
