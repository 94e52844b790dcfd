using System.Text.Json;
using SemanticSearch.Training.Loop;
using SemanticSearch.Training.Optimization;

namespace SemanticSearch.Training.Classification;

/// <summary>
/// How an end-to-end run checkpoints: every <see cref="EverySteps"/> optimizer steps (0: only when cancelled) into
/// <see cref="Store"/>'s last/, and whether to continue from it. <see cref="RunSignature"/> describes options, data
/// and model; a checkpoint written under another signature is refused.
/// </summary>
public sealed record EndToEndCheckpointing(CheckpointStore Store, int EverySteps, bool Resume, string RunSignature)
{
    public CancellationToken Cancellation { get; init; }
}

/// <summary>An end-to-end run stopped by cancellation after writing a checkpoint that --resume continues.</summary>
public sealed class ClassifierTrainingCancelledException(long step, long totalSteps, string checkpointDirectory)
    : OperationCanceledException($"cancelled after {step}/{totalSteps} steps; checkpoint in {checkpointDirectory}")
{
    public long Step { get; } = step;
    public long TotalSteps { get; } = totalSteps;
    public string CheckpointDirectory { get; } = checkpointDirectory;
}

/// <summary>
/// The end-to-end trainer's counters beyond <see cref="LoopState"/>: the epoch being run (its shuffle is replayed on
/// resume: System.Random's state cannot be saved, but re-drawing a few permutations takes microseconds), the
/// validation history and the loss accumulated since the last evaluation. Saved as end-to-end.json beside the
/// weights, with the early-stopping copy of the best weights as best.bin, in one atomic checkpoint.
/// </summary>
internal sealed record EndToEndProgress
{
    public int Epoch { get; init; }
    public int BestEpoch { get; init; }
    public double LossSum { get; init; }
    public int LossRows { get; init; }
    public int LastEvalStep { get; init; }
    public List<HeadEpoch> History { get; init; } = [];
    public bool HasBest { get; init; }

    private const string ProgressFile = "end-to-end.json", BestFile = "best.bin";
    private static readonly JsonSerializerOptions Json = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public static void Save(CheckpointStore store, LoopState state, EndToEndProgress progress, IReadOnlyList<TrainableParameter> everything,
        IReadOnlyList<AdamW> optimizers, float[][]? best)
    {
        var extra = new Dictionary<string, Action<Stream>> { [ProgressFile] = s => JsonSerializer.Serialize(s, progress, Json) };
        if (best is not null) extra[BestFile] = s => ParameterSnapshotFile.Save(Named(everything, best), s);
        store.SaveLast(state, everything, optimizers, extra);
    }

    /// <summary>Restores weights, both optimizers and the best-weights copy; returns the counters.</summary>
    public static (LoopState State, EndToEndProgress Progress, float[][]? Best) Load(CheckpointStore store, IReadOnlyList<TrainableParameter> everything,
        IReadOnlyList<AdamW> optimizers)
    {
        EndToEndProgress? progress = null;
        var state = store.LoadLast(everything, optimizers, new Dictionary<string, Action<Stream, string>>
        {
            [ProgressFile] = (s, name) => progress = JsonSerializer.Deserialize<EndToEndProgress>(s, Json) ?? throw new InvalidDataException($"{name}: empty"),
        });
        float[][]? best = null;
        if (progress!.HasBest)
        {
            best = everything.Select(p => new float[p.Values.Length]).ToArray();
            string path = Path.Combine(store.LastDirectory, BestFile);
            if (!File.Exists(path)) throw new FileNotFoundException($"checkpoint file missing: {path}", path);
            using var stream = File.OpenRead(path);
            ParameterSnapshotFile.Restore(Named(everything, best), stream, path);
        }
        return (state, progress, best);
    }

    private static List<(string, float[])> Named(IReadOnlyList<TrainableParameter> everything, float[][] values) =>
        everything.Select((p, i) => (p.Name, values[i])).ToList();
}
