using SemanticSearch.Service.Api.V1;

namespace SemanticSearch.Service.Jobs;

/// <summary>What a running job reports after each optimizer step (and after each evaluation).</summary>
public sealed record FineTuneProgress(
    long Step, long TotalSteps, int Epoch, double Loss, double LearningRate,
    IReadOnlyList<KeyValuePair<string, double>> Metrics);

/// <summary>Everything a runner needs for one job; the output folder is created by the runner.</summary>
public sealed record FineTuneWork(string JobId, StartFineTuneRequest Request, string? BaseModelPath, string OutputModelDirectory);

/// <summary>
/// The seam between the job manager and the training engine. The manager owns queueing, threads,
/// persistence, cancellation and progress fan-out; a runner only trains. Implementations must honour
/// <paramref name="cancellationToken"/> between steps and throw OperationCanceledException when it fires.
/// </summary>
public interface IFineTuneRunner
{
    /// <summary>Trains synchronously on the caller's (dedicated) thread; returns the saved model folder.</summary>
    string Run(FineTuneWork work, Action<FineTuneProgress> report, CancellationToken cancellationToken);
}
