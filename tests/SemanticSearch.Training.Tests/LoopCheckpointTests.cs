using SemanticSearch.Training.Loop;
using SemanticSearch.Training.Optimization;
using static SemanticSearch.Training.Tests.LoopTestData;

namespace SemanticSearch.Training.Tests;

/// <summary>Resume and atomic checkpoints of <see cref="FineTuner"/>, on the <see cref="LoopTestEncoder"/> test double.</summary>
public class LoopCheckpointTests
{
    private sealed class SimulatedCrash : Exception;

    private static FineTuneOptions Options(string output) => new()
    {
        OutputDirectory = output, BatchSize = 6, MiniBatchSize = 4, GradientAccumulation = 2, Epochs = 3, LearningRate = 1e-2,
        EvalSteps = 3, CheckpointSteps = 2, Seed = 9,
    };

    [Fact]
    public void KilledRunResumesToTheSameWeightsAndMetrics()
    {
        var data = AnchorPositive();
        var evaluator = SimilarityEvaluator(ScoredPairs(16));
        string straight = TempDirectory(), interrupted = TempDirectory();
        var reference = new LoopTestEncoder(8, seed: 1, dropout: 0.2f);
        var done = new FineTuner(reference, data, Options(straight), evaluator).Run();
        Assert.True(done.TotalSteps >= 9, $"{done.TotalSteps} steps");

        // "Kill" the run after step 7: the last checkpoint is the one written at step 6 (an evaluation step).
        var first = new LoopTestEncoder(8, seed: 1, dropout: 0.2f);
        Assert.Throws<SimulatedCrash>(() => new FineTuner(first, data, Options(interrupted), evaluator)
            .Run(new SyncProgress(p => { if (p.Kind == TrainingEventKind.Step && p.Step == 7) throw new SimulatedCrash(); })));
        Assert.True(Directory.Exists(Path.Combine(interrupted, "checkpoints", "last")));

        var resumed = new LoopTestEncoder(8, seed: 1, dropout: 0.2f); // a fresh process starts from the base model again
        var result = new FineTuner(resumed, data, Options(interrupted) with { Resume = true }, evaluator).Run();

        Assert.Equal(TrainingOutcome.Completed, result.Outcome);
        Assert.Equal(reference.Snapshot(), resumed.Snapshot());
        Assert.Equal(File.ReadAllText(Path.Combine(straight, FineTuner.MetricsFileName)), File.ReadAllText(Path.Combine(interrupted, FineTuner.MetricsFileName)));
        Assert.Equal(File.ReadAllBytes(Path.Combine(straight, "test-encoder.bin")), File.ReadAllBytes(Path.Combine(interrupted, "test-encoder.bin")));
    }

    [Fact]
    public void CancelledRunWritesACheckpointAndResumes()
    {
        var data = AnchorPositive();
        var reference = new LoopTestEncoder(8, seed: 2);
        new FineTuner(reference, data, Options(TempDirectory()) with { EvalSteps = 0 }).Run();

        string output = TempDirectory();
        using var cancel = new CancellationTokenSource();
        var first = new LoopTestEncoder(8, seed: 2);
        var stopped = new FineTuner(first, data, Options(output) with { EvalSteps = 0 })
            .Run(new SyncProgress(p => { if (p.Kind == TrainingEventKind.Step && p.Step == 5) cancel.Cancel(); }), cancel.Token);
        Assert.Equal(TrainingOutcome.Cancelled, stopped.Outcome);
        Assert.Equal(5, stopped.Steps);
        Assert.False(File.Exists(Path.Combine(output, "test-encoder.bin"))); // not a finished model

        var resumed = new LoopTestEncoder(8, seed: 2);
        new FineTuner(resumed, data, Options(output) with { EvalSteps = 0, Resume = true }).Run();
        Assert.Equal(reference.Snapshot(), resumed.Snapshot());
    }

    [Fact]
    public void ResumeWithOtherSettingsIsRefused()
    {
        var data = AnchorPositive();
        string output = TempDirectory();
        using var cancel = new CancellationTokenSource();
        new FineTuner(new LoopTestEncoder(8, 3), data, Options(output) with { EvalSteps = 0 })
            .Run(new SyncProgress(p => { if (p.Step == 2) cancel.Cancel(); }), cancel.Token);
        var e = Assert.Throws<InvalidOperationException>(() =>
            new FineTuner(new LoopTestEncoder(8, 3), data, Options(output) with { EvalSteps = 0, Resume = true, LearningRate = 5e-3 }).Run());
        Assert.Contains("other settings", e.Message);
        Assert.Throws<InvalidOperationException>(() =>
            new FineTuner(new LoopTestEncoder(8, 3), data, Options(TempDirectory()) with { Resume = true }).Run());
    }

    [Fact]
    public void DiskFullWhileSavingLeavesThePreviousCheckpointIntact()
    {
        var encoder = new LoopTestEncoder(4, seed: 4);
        var parameters = encoder.TrainableParameters;
        var optimizer = new AdamW(WeightDecayGrouping.Split(parameters, 0.01));
        string root = TempDirectory();
        int budget = int.MaxValue;
        var store = new CheckpointStore(root, path => new FullDiskStream(File.Create(path), () => budget));
        store.SaveLast(new LoopState { Step = 1, DropoutStep = 11, RunSignature = "s" }, parameters, optimizer);
        var saved = encoder.Snapshot();

        foreach (var p in parameters) Array.Fill(p.Values, 7f);
        budget = 300; // the next save runs out of space part-way through the parameter file
        Assert.Throws<IOException>(() => store.SaveLast(new LoopState { Step = 2, RunSignature = "s" }, parameters, optimizer));
        Assert.False(Directory.Exists(Path.Combine(root, "last.tmp")));

        var state = new CheckpointStore(root).LoadLast(parameters, optimizer);
        Assert.Equal(1, state.Step);
        Assert.Equal(11UL, state.DropoutStep);
        Assert.Equal(saved, encoder.Snapshot());
    }

    [Fact]
    public void CrashBetweenTheRenamesRecoversThePreviousCheckpoint()
    {
        var encoder = new LoopTestEncoder(4, seed: 5);
        var parameters = encoder.TrainableParameters;
        var optimizer = new AdamW(WeightDecayGrouping.Split(parameters, 0.01));
        string root = TempDirectory();
        var store = new CheckpointStore(root);
        store.SaveLast(new LoopState { Step = 3, RunSignature = "s" }, parameters, optimizer);
        var saved = encoder.Snapshot();
        // State after "last → last.old" and before "last.tmp → last": only a half-written tmp and the old one exist.
        Directory.Move(Path.Combine(root, "last"), Path.Combine(root, "last.old"));
        Directory.CreateDirectory(Path.Combine(root, "last.tmp"));
        File.WriteAllText(Path.Combine(root, "last.tmp", "parameters.bin"), "partial");
        foreach (var p in parameters) Array.Clear(p.Values);

        Assert.True(store.HasLast);
        Assert.Equal(3, store.LoadLast(parameters, optimizer).Step);
        Assert.Equal(saved, encoder.Snapshot());
        Assert.False(Directory.Exists(Path.Combine(root, "last.tmp")));
        Assert.False(Directory.Exists(Path.Combine(root, "last.old")));
    }

    /// <summary>Fails like ENOSPC once more than the budget's bytes have been written.</summary>
    private sealed class FullDiskStream(FileStream inner, Func<int> budget) : Stream
    {
        private long _written;
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (_written + buffer.Length > budget()) throw new IOException("No space left on device");
            _written += buffer.Length;
            inner.Write(buffer);
        }
        public override void Flush() => inner.Flush();
        protected override void Dispose(bool disposing) { if (disposing) inner.Dispose(); base.Dispose(disposing); }
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _written;
        public override long Position { get => _written; set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
