using SemanticSearch.Model;
using SemanticSearch.Training.Encoder;
using SemanticSearch.Training.Loop;
using SemanticSearch.Training.Metrics;
using SemanticSearch.Training.Pretraining;

namespace SemanticSearch.Training.Tests;

/// <summary>
/// Pretraining checkpoint/resume on the tiny MLM fixture model (hidden 16, 2 layers), dropout on: a run killed after
/// a mid-epoch checkpoint and resumed ends with exactly the weights, head and losses of an uninterrupted run.
/// </summary>
public class PretrainResumeTests : IDisposable
{
    private static readonly string ModelDir = Path.Combine(ReferenceFixture.RepoRoot(), "tests", "fixtures", "training", "mlm-model");
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "semsearch-pretrain-resume-" + Guid.NewGuid().ToString("N"));

    public PretrainResumeTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private static readonly string[] Corpus = Enumerable.Range(0, 24).Select(i =>
        string.Join(' ', Enumerable.Range(0, 3 + i % 7).Select(k => $"w{(i * 7 + k * 3) % 35}"))).ToArray();

    private static BertMaskedLanguageModel Model() =>
        new(SentenceEncoder.Load(ModelDir), ModelDir, new TrainingGraphOptions { HiddenDropout = 0.1f, AttentionDropout = 0.1f, Seed = 3 });

    private PretrainOptions Options(string name) => new()
    {
        OutputDirectory = Path.Combine(_dir, name), Epochs = 2, BatchSize = 4, LearningRate = 5e-3, WarmupRatio = 0.2, MaskProbability = 0.3, Seed = 9,
        CheckpointSteps = 0,
    };

    /// <summary>Stands in for the process dying: an exception out of Run after the given step.</summary>
    private sealed class KillAfter(long step) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress p)
        {
            if (p.Kind == TrainingEventKind.Step && p.Step == step) throw new OperationCanceledException($"killed after step {step}");
        }
    }

    private static List<double> Losses(string output) => MetricsJsonlReader.Read(Path.Combine(output, FineTuner.MetricsFileName))
        .Where(r => r.Kind == "train").Select(r => r.Values.Single(v => v.Key == "mlm_loss").Value).ToList();

    [Fact]
    public void KilledAndResumedRunEndsBitIdenticalToAStraightRun()
    {
        var straightModel = Model();
        var straightOptions = Options("straight");
        var straight = new Pretrainer(straightModel, Corpus, straightOptions).Run();
        Assert.Equal(12, straight.TotalSteps); // 24 texts / 4 = 6 steps per epoch, 2 epochs

        // Checkpoint every 5 steps (mid-epoch), die after step 7: steps 6–7 are lost and redone.
        var killedOptions = Options("killed") with { CheckpointSteps = 5 };
        Assert.Throws<OperationCanceledException>(() => new Pretrainer(Model(), Corpus, killedOptions).Run(new KillAfter(7)));
        var store = new Pretrainer(Model(), Corpus, killedOptions).Checkpoints;
        Assert.True(store.HasLast);
        Assert.Equal(7, Losses(killedOptions.OutputDirectory).Count);

        var resumedModel = Model();
        var resumed = new Pretrainer(resumedModel, Corpus, killedOptions with { Resume = true }).Run();
        Assert.False(resumed.Cancelled);
        for (int i = 0; i < straightModel.TrainableParameters.Count; i++)
        {
            var want = straightModel.TrainableParameters[i];
            var got = resumedModel.TrainableParameters[i];
            Assert.Equal(want.Name, got.Name);
            Assert.True(want.Values.AsSpan().SequenceEqual(got.Values), $"{want.Name} differs after resume");
        }
        Assert.Equal(Losses(straightOptions.OutputDirectory), Losses(killedOptions.OutputDirectory)); // every step once, same losses
        Assert.Equal(straight.FirstEpochLoss, resumed.FirstEpochLoss);
        Assert.Equal(straight.LastEpochLoss, resumed.LastEpochLoss);
        Assert.Equal(File.ReadAllBytes(Path.Combine(straightOptions.OutputDirectory, "model.safetensors")),
            File.ReadAllBytes(Path.Combine(killedOptions.OutputDirectory, "model.safetensors")));
        Assert.False(store.HasLast); // a finished run removes its checkpoint
        Assert.NotEqual(straightModel.TrainableParameters[0].Values, Model().TrainableParameters[0].Values); // it did train
    }

    [Fact]
    public void CancellationWritesACheckpointThatResumes()
    {
        var options = Options("cancelled") with { Epochs = 1 };
        using var cancel = new CancellationTokenSource();
        var first = new Pretrainer(Model(), Corpus, options).Run(new Progress(p => { if (p.Kind == TrainingEventKind.Step && p.Step == 2) cancel.Cancel(); }), cancel.Token);
        Assert.True(first.Cancelled);
        Assert.Equal(2, first.Step);
        var rest = new Pretrainer(Model(), Corpus, options with { Resume = true }).Run();
        Assert.Equal(6, rest.Step);
        Assert.Equal(6, Losses(options.OutputDirectory).Count);
        var straight = new Pretrainer(Model(), Corpus, Options("straight1") with { Epochs = 1 }).Run();
        Assert.Equal(straight.FirstEpochLoss, rest.FirstEpochLoss);
    }

    [Fact]
    public void ResumeRefusesAMissingCheckpointAndOtherSettings()
    {
        var options = Options("refuse") with { CheckpointSteps = 3 };
        var missing = Assert.Throws<InvalidOperationException>(() => new Pretrainer(Model(), Corpus, options with { Resume = true }).Run());
        Assert.Contains("no checkpoint", missing.Message);
        Assert.Throws<OperationCanceledException>(() => new Pretrainer(Model(), Corpus, options).Run(new KillAfter(4)));
        var other = Assert.Throws<InvalidOperationException>(() => new Pretrainer(Model(), Corpus, options with { Resume = true, LearningRate = 1e-3 }).Run());
        Assert.Contains("other settings or corpus", other.Message);
        var otherCorpus = Assert.Throws<InvalidOperationException>(() => new Pretrainer(Model(), Corpus.Reverse().ToArray(), options with { Resume = true }).Run());
        Assert.Contains("corpus=", otherCorpus.Message);
    }

    /// <summary>Synchronous IProgress (System.Progress posts to the thread pool, too late to cancel at a given step).</summary>
    private sealed class Progress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
