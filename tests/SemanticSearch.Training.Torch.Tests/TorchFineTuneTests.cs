using SemanticSearch.Model;
using SemanticSearch.Training.Data;
using SemanticSearch.Training.Encoder;
using SemanticSearch.Training.Loop;

namespace SemanticSearch.Training.Torch.Tests;

/// <summary>The shared loop on the torch backend: a fine-tuned model reloads on the managed engine and encodes the same.</summary>
public class TorchFineTuneTests
{
    private static TrainingExamples Pairs()
    {
        string[] a = ["w5 w6 w7", "w8 w9", "w10 w11 w12 w13", "w14 w15", "w16 w17 w18", "w19 w20", "w21 w22 w23", "w24 w25"];
        string[] p = ["w6 w7 w5", "w9 w8 w30", "w11 w12 w13", "w15 w14 w31", "w17 w18", "w20 w19 w32", "w22 w23 w21", "w25 w24 w33"];
        return TrainingExamples.FromAnchorPositive(a.Zip(p, (x, y) => new AnchorPositiveExample(x, y, null)).ToList());
    }

    private static (string Output, FineTuneResult Result, float[] TorchEmbeddings, SentenceEncoder Trained) Train(FineTuneOptions options, bool dropout = true)
    {
        var encoder = SentenceEncoder.Load(Fixtures.Training("encoder-model"));
        var graph = dropout ? new TrainingGraphOptions { Seed = 7 } : new TrainingGraphOptions { Seed = 7, HiddenDropout = 0, AttentionDropout = 0 };
        using var backend = new TorchTrainingBackend(encoder, graph, TorchDevice.Parse("cpu"));
        var result = new FineTuner(backend, Pairs(), options).Run();
        var probe = encoder.Tokenize(Pairs().Columns[0]);
        return (options.OutputDirectory, result, backend.Embed(probe), SentenceEncoder.Load(options.OutputDirectory));
    }

    [Fact]
    public void Torch_trained_model_reloads_and_encodes_the_same_on_the_managed_engine()
    {
        string output = Fixtures.TempDirectory();
        try
        {
            var before = SentenceEncoder.Load(Fixtures.Training("encoder-model"));
            var (_, result, torchRows, trained) = Train(new FineTuneOptions { OutputDirectory = output, BatchSize = 4, Epochs = 2, LearningRate = 5e-3, WarmupRatio = 0.25 });
            Assert.Equal(TrainingOutcome.Completed, result.Outcome);
            Assert.Equal(4, result.Steps);
            Assert.NotEqual(before.Fingerprint, trained.Fingerprint);
            var managed = trained.Encode(Pairs().Columns[0]);
            int d = trained.Dimension;
            for (int t = 0; t < managed.Length; t++)
                for (int k = 0; k < d; k++)
                    Assert.True(Math.Abs(managed[t][k] - torchRows[t * d + k]) <= 1e-4f, $"text {t} dim {k}");
            Assert.True(File.Exists(Path.Combine(output, FineTuner.MetricsFileName)));
        }
        finally { Directory.Delete(output, recursive: true); }
    }

    /// <summary>Dropout off: mini-batches of 3 draw other masks than one batch of 8, so only then are the two runs equal.</summary>
    [Fact]
    public void Gradient_cache_equals_the_full_batch_on_torch()
    {
        string full = Fixtures.TempDirectory(), cached = Fixtures.TempDirectory();
        try
        {
            var a = Train(new FineTuneOptions { OutputDirectory = full, BatchSize = 8, LearningRate = 5e-3, WarmupRatio = 0 }, dropout: false);
            var b = Train(new FineTuneOptions { OutputDirectory = cached, BatchSize = 8, MiniBatchSize = 3, LearningRate = 5e-3, WarmupRatio = 0 }, dropout: false);
            for (int i = 0; i < a.TorchEmbeddings.Length; i++)
                Assert.True(Math.Abs(a.TorchEmbeddings[i] - b.TorchEmbeddings[i]) <= 1e-4f, $"value {i}");
            Assert.NotEqual(SentenceEncoder.Load(Fixtures.Training("encoder-model")).Fingerprint, a.Trained.Fingerprint);
        }
        finally { Directory.Delete(full, true); Directory.Delete(cached, true); }
    }

    [Fact]
    public void Killed_and_resumed_run_ends_where_a_straight_run_does()
    {
        string straight = Fixtures.TempDirectory(), resumed = Fixtures.TempDirectory();
        try
        {
            var options = new FineTuneOptions { OutputDirectory = straight, BatchSize = 4, Epochs = 2, LearningRate = 5e-3, CheckpointSteps = 2 };
            var a = Train(options);
            using var cancel = new CancellationTokenSource();
            var encoder = SentenceEncoder.Load(Fixtures.Training("encoder-model"));
            using (var backend = new TorchTrainingBackend(encoder, new TrainingGraphOptions { Seed = 7 }, TorchDevice.Parse("cpu")))
            {
                var progress = new Progress(p => { if (p.Kind == TrainingEventKind.Step && p.Step == 3) cancel.Cancel(); });
                var r = new FineTuner(backend, Pairs(), options with { OutputDirectory = resumed }).Run(progress, cancel.Token);
                Assert.Equal(TrainingOutcome.Cancelled, r.Outcome);
            }
            var b = Train(options with { OutputDirectory = resumed, Resume = true });
            Assert.Equal(TrainingOutcome.Completed, b.Result.Outcome);
            Assert.Equal(a.TorchEmbeddings, b.TorchEmbeddings);
        }
        finally { Directory.Delete(straight, true); Directory.Delete(resumed, true); }
    }

    [Fact]
    public void Cuda_without_a_cuda_runtime_names_what_to_install()
    {
        if (TorchSharp.torch.cuda.is_available()) return; // a GPU machine runs tools/gpu-check.sh instead
        var e = Assert.Throws<TorchUnavailableException>(() => TorchDevice.Parse("cuda:0").Open());
        Assert.Contains("TorchRuntime=cuda", e.Message);
        Assert.Contains("TorchSharp-cuda-linux", e.Message);
        Assert.Throws<ArgumentException>(() => TorchDevice.Parse("gpu"));
    }

    private sealed class Progress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
