using System.Text.Json;
using SemanticSearch.Checkpoints;
using SemanticSearch.Training.Optimization;

namespace SemanticSearch.Training.Loop;

/// <summary>
/// Everything besides weights and optimizer moments that a resumed run needs to continue exactly where the killed one
/// stopped. The data order needs no RNG state: it is a pure function of the seed (<see cref="TrainingPlan"/>), so the
/// step count locates the next batch; dropout needs its stream position.
/// </summary>
public sealed record LoopState
{
    /// <summary>Optimizer steps completed (including skipped non-finite ones: they consumed their batches).</summary>
    public long Step { get; init; }
    public ulong DropoutStep { get; init; }
    public double? BestMetric { get; init; }
    public long BestStep { get; init; }
    public int EvalsWithoutImprovement { get; init; }
    public int ConsecutiveNonFinite { get; init; }
    /// <summary>Describes the run's settings; resuming with other settings would not continue the same run.</summary>
    public string RunSignature { get; init; } = "";
}

/// <summary>
/// The checkpoints of one run under <c>OUTPUT/checkpoints/</c>: <c>last/</c> (state.json, parameters.bin,
/// optimizer.bin) for resuming and <c>best/</c> (parameters.bin) for early stopping. Each is replaced atomically
/// (<see cref="AtomicDirectory"/>): the previous one stays intact until the new one is complete on disk, so a run
/// killed, or out of disk space, while saving still resumes from the previous checkpoint.
/// </summary>
public sealed class CheckpointStore
{
    private const string StateFile = "state.json", ParametersFile = "parameters.bin", OptimizerFile = "optimizer.bin";
    private readonly Func<string, Stream> _createFile;

    /// <param name="createFile">opens a new file for writing; tests substitute one that fails like a full disk</param>
    public CheckpointStore(string root, Func<string, Stream>? createFile = null)
    {
        Root = root;
        _createFile = createFile ?? (path => new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None));
    }

    public string Root { get; }
    public string LastDirectory => Path.Combine(Root, "last");
    public string BestDirectory => Path.Combine(Root, "best");
    public bool HasLast => AtomicDirectory.Exists(LastDirectory);
    public bool HasBest => AtomicDirectory.Exists(BestDirectory);

    public void SaveLast(LoopState state, IReadOnlyList<TrainableParameter> parameters, AdamW optimizer) => SaveLast(state, parameters, [optimizer]);

    /// <summary>
    /// Several optimizers (e.g. encoder and head at their own learning rates) go to optimizer.bin, optimizer-1.bin, …;
    /// <paramref name="extraFiles"/> are trainer-owned files (early-stopping snapshot, trainer counters) written in the
    /// same atomic replacement, so they can never be from another step than the weights.
    /// </summary>
    public void SaveLast(LoopState state, IReadOnlyList<TrainableParameter> parameters, IReadOnlyList<AdamW> optimizers,
        IReadOnlyDictionary<string, Action<Stream>>? extraFiles = null)
    {
        Directory.CreateDirectory(Root);
        AtomicDirectory.Replace(LastDirectory, dir =>
        {
            Write(Path.Combine(dir, ParametersFile), s => ParameterSnapshotFile.Save(parameters, s));
            for (int i = 0; i < optimizers.Count; i++)
            {
                var optimizer = optimizers[i];
                Write(Path.Combine(dir, OptimizerFileName(i)), s => AdamWStateFile.Save(optimizer, s));
            }
            foreach (var (name, write) in extraFiles ?? new Dictionary<string, Action<Stream>>()) Write(Path.Combine(dir, name), write);
            // state.json last: its presence inside the directory marks the other files as written.
            Write(Path.Combine(dir, StateFile), s => JsonSerializer.Serialize(s, state, JsonOptions));
        });
    }

    private static string OptimizerFileName(int index) => index == 0 ? OptimizerFile : $"optimizer-{index}.bin";

    public void SaveBest(IReadOnlyList<TrainableParameter> parameters)
    {
        Directory.CreateDirectory(Root);
        AtomicDirectory.Replace(BestDirectory, dir => Write(Path.Combine(dir, ParametersFile), s => ParameterSnapshotFile.Save(parameters, s)));
    }

    /// <summary>Restores weights and optimizer moments from <c>last/</c> and returns the loop state.</summary>
    public LoopState LoadLast(IReadOnlyList<TrainableParameter> parameters, AdamW optimizer) => LoadLast(parameters, [optimizer]);

    /// <summary>As <see cref="LoadLast(IReadOnlyList{TrainableParameter}, AdamW)"/> for the optimizers and extra files of the multi-optimizer <c>SaveLast</c>.</summary>
    public LoopState LoadLast(IReadOnlyList<TrainableParameter> parameters, IReadOnlyList<AdamW> optimizers,
        IReadOnlyDictionary<string, Action<Stream, string>>? extraFiles = null)
    {
        var state = PeekLastState();
        Read(Path.Combine(LastDirectory, ParametersFile), (s, name) => ParameterSnapshotFile.Restore(parameters, s, name));
        for (int i = 0; i < optimizers.Count; i++)
        {
            var optimizer = optimizers[i];
            Read(Path.Combine(LastDirectory, OptimizerFileName(i)), (s, name) => AdamWStateFile.Load(optimizer, s, name));
        }
        foreach (var (name, read) in extraFiles ?? new Dictionary<string, Action<Stream, string>>()) Read(Path.Combine(LastDirectory, name), read);
        return state;
    }

    /// <summary>The state.json of <c>last/</c> alone (to compare run signatures before loading any weights).</summary>
    public LoopState PeekLastState()
    {
        AtomicDirectory.Recover(LastDirectory);
        string statePath = Path.Combine(LastDirectory, StateFile);
        if (!File.Exists(statePath)) throw new FileNotFoundException($"no checkpoint to resume from: {statePath} does not exist", statePath);
        try
        {
            return JsonSerializer.Deserialize<LoopState>(File.ReadAllText(statePath), JsonOptions) ?? throw new InvalidDataException($"{statePath}: empty checkpoint state");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{statePath}: not a checkpoint state ({e.Message})", e);
        }
    }

    public void RestoreBest(IReadOnlyList<TrainableParameter> parameters)
    {
        AtomicDirectory.Recover(BestDirectory);
        Read(Path.Combine(BestDirectory, ParametersFile), (s, name) => ParameterSnapshotFile.Restore(parameters, s, name));
    }

    public void Delete()
    {
        if (Directory.Exists(Root)) Directory.Delete(Root, recursive: true);
    }

    private void Write(string path, Action<Stream> write)
    {
        using var stream = _createFile(path);
        write(stream);
        stream.Flush();
        if (stream is FileStream file) file.Flush(flushToDisk: true); // on disk before the rename publishes it
    }

    private static void Read(string path, Action<Stream, string> read)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"checkpoint file missing: {path}", path);
        using var stream = File.OpenRead(path);
        read(stream, path);
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };
}
