using SemanticSearch.Model;
using SemanticSearch.Model.Configuration;
using SemanticSearch.Training.Encoder;
using SemanticSearch.Training.Loop;
using SemanticSearch.Training.Metrics;
using static SemanticSearch.Training.Tests.LoopTestData;

namespace SemanticSearch.Training.Tests;

/// <summary>FineTuner on the real BERT training graph with a tiny random model (hidden 32, 2 layers).</summary>
public class LoopRealGraphTests
{
    internal static SentenceEncoder TinyModel(int seed = 1)
    {
        string vocab = Path.Combine(ReferenceFixture.SharedData, "bert-base-uncased", "vocab.txt");
        int vocabSize = File.ReadLines(vocab).Count();
        var config = new BertConfig { VocabSize = vocabSize, HiddenSize = 32, NumHiddenLayers = 2, NumAttentionHeads = 2, IntermediateSize = 64, MaxPositionEmbeddings = 64 };
        return RandomModelWriter.Create(vocab, config, new RandomModelOptions { Seed = seed, MaxSeqLength = 32 });
    }

    [Fact]
    public void AFewStepsLowerTheMnrlLoss()
    {
        var encoder = new BertFineTunableEncoder(TinyModel(), new TrainingGraphOptions { HiddenDropout = 0, AttentionDropout = 0, Seed = 1 });
        var options = new FineTuneOptions { OutputDirectory = TempDirectory(), BatchSize = 12, Epochs = 6, LearningRate = 5e-3, WarmupRatio = 0.1, Seed = 3 };
        var result = new FineTuner(encoder, AnchorPositive(), options).Run();

        var losses = MetricsJsonlReader.Read(Path.Combine(options.OutputDirectory, FineTuner.MetricsFileName))
            .Where(r => r.Kind == "train").Select(r => r.Values.Single(v => v.Key == "loss").Value).ToList();
        Assert.Equal(result.TotalSteps, losses.Count);
        double firstEpoch = losses.Take(4).Average(), lastEpoch = losses.TakeLast(4).Average();
        Assert.True(lastEpoch < firstEpoch * 0.7, $"loss {firstEpoch:F4} → {lastEpoch:F4}");
        // The output folder is a model folder, and it holds the trained weights.
        var reloaded = SentenceEncoder.Load(options.OutputDirectory);
        Assert.Equal(encoder.Encoder.Fingerprint, reloaded.Fingerprint);
        Assert.NotEqual(TinyModel().Fingerprint, reloaded.Fingerprint);
        Assert.True(File.Exists(Path.Combine(options.OutputDirectory, FineTuner.ChartFileName)));
    }

    [Fact]
    public void GradCacheReplaysDropoutExactlyAndResumeMatches()
    {
        var graphOptions = new TrainingGraphOptions { Seed = 5 };
        var options = new FineTuneOptions
        {
            OutputDirectory = TempDirectory(), BatchSize = 8, MiniBatchSize = 3, Epochs = 2, LearningRate = 1e-3, CheckpointSteps = 3, Seed = 4,
        };
        var straight = new BertFineTunableEncoder(TinyModel(), graphOptions);
        new FineTuner(straight, AnchorPositive(), options).Run(); // VerifyReproduced throws if a replay differs

        string output = TempDirectory();
        Assert.ThrowsAny<OperationCanceledException>(() => new FineTuner(new BertFineTunableEncoder(TinyModel(), graphOptions), AnchorPositive(), options with { OutputDirectory = output })
            .Run(new SyncProgress(p => { if (p.Kind == TrainingEventKind.Step && p.Step == 4) throw new OperationCanceledException("killed"); })));
        var resumed = new BertFineTunableEncoder(TinyModel(), graphOptions);
        new FineTuner(resumed, AnchorPositive(), options with { OutputDirectory = output, Resume = true }).Run();
        Assert.Equal(straight.Encoder.Fingerprint, resumed.Encoder.Fingerprint);
    }
}
