using System.Diagnostics;
using System.Globalization;
using SemanticSearch.Training.Loop;

namespace SemanticSearch.Cli.Commands;

/// <summary>
/// `train`/`pretrain` progress on stderr: step/total, loss, learning rate, examples/s and ETA at most every
/// two seconds, plus every evaluation, warning and checkpoint as it happens. Synchronous (the loop's thread).
/// </summary>
internal sealed class TrainingProgressPrinter(TextWriter stderr, string unit) : IProgress<TrainingProgress>
{
    private readonly Stopwatch _sinceLast = Stopwatch.StartNew();
    private bool _printedAny;

    public void Report(TrainingProgress p)
    {
        switch (p.Kind)
        {
            case TrainingEventKind.Step:
                if (_printedAny && _sinceLast.Elapsed < TimeSpan.FromSeconds(2) && p.Step != p.TotalSteps) return;
                _printedAny = true;
                _sinceLast.Restart();
                stderr.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"step {p.Step}/{p.TotalSteps} ({100.0 * p.Step / Math.Max(1, p.TotalSteps):F1}%)  epoch {p.Epoch + 1}  loss {p.Loss:F4}  lr {p.LearningRate:E2}  " +
                    $"grad-norm {p.GradientNorm:F3}  {p.ExamplesPerSecond:F1} {unit}/s  ETA {Format(p.Eta)}"));
                break;
            case TrainingEventKind.Evaluation:
                var shown = p.Evaluation?.Metrics.Where(m => m.Key is "accuracy@1" or "mrr@10" or "ndcg@10" or "recall@10" or "spearman_cosine" or "pearson_cosine")
                    .Select(m => string.Create(CultureInfo.InvariantCulture, $"{m.Key} {m.Value:F4}")) ?? [];
                stderr.WriteLine($"eval at step {p.Step}: {string.Join("  ", shown)}  — {p.Message}");
                break;
            case TrainingEventKind.Warning:
                stderr.WriteLine($"warning: {p.Message}");
                break;
            default:
                if (p.Message is not null) stderr.WriteLine(p.Message);
                break;
        }
    }

    private static string Format(TimeSpan? eta) =>
        eta is { } t ? t.ToString(t.TotalHours >= 1 ? @"h\:mm\:ss" : @"m\:ss", CultureInfo.InvariantCulture) : "?";
}
