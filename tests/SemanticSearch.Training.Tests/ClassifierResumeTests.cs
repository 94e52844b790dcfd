using System.Security.Cryptography;
using System.Text;
using SemanticSearch.Training.Classification;

namespace SemanticSearch.Training.Tests;

/// <summary>
/// End-to-end classifier training checkpoint/resume on the tiny fixture model (hidden 32, 2 layers), dropout on,
/// mid-epoch evaluations (so the early-stopping best weights are part of the checkpoint): a run that dies or is
/// cancelled and is resumed writes exactly the weight files of an uninterrupted run.
/// </summary>
public sealed class ClassifierResumeTests : IDisposable
{
    private static readonly string ModelDir = Path.Combine(ReferenceFixture.RepoRoot(), "tests", "fixtures", "reference", "models", "mini-mean-f32");
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "semsearch-classifier-resume-" + Guid.NewGuid().ToString("N"));

    public ClassifierResumeTests()
    {
        Directory.CreateDirectory(_dir);
        string[][] words = [["card", "lost", "stolen", "missing", "pin", "blocked"], ["rate", "exchange", "euro", "dollar", "currency", "fee"]];
        var random = new Random(5);
        string Row(int i) => $"{{\"text\": \"{string.Join(' ', Enumerable.Range(0, 3).Select(_ => words[i % 2][random.Next(6)]))}\", \"label\": \"{(i % 2 == 0 ? "card" : "money")}\"}}";
        File.WriteAllLines(Path.Combine(_dir, "train.jsonl"), Enumerable.Range(0, 24).Select(Row));
        File.WriteAllLines(Path.Combine(_dir, "validation.jsonl"), Enumerable.Range(0, 8).Select(Row));
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    /// <summary>3 epochs × 6 steps of 4 texts, evaluated every 4 steps and after each epoch.</summary>
    private ClassifierTrainingRequest Request(string output, int checkpointSteps = 0) => new()
    {
        ModelFolder = ModelDir, DataFile = Path.Combine(_dir, "train.jsonl"), ValidationFile = Path.Combine(_dir, "validation.jsonl"),
        OutputFolder = Path.Combine(_dir, output), Mode = ClassifierTrainingMode.EndToEnd, CheckpointSteps = checkpointSteps,
        Options = new HeadTrainingOptions { Epochs = 3, BatchSize = 4, LearningRate = 0.05, HiddenSize = 8, Patience = 100, Seed = 7 },
        Encoder = new EncoderTrainingOptions { EncoderLearningRate = 2e-3, EvalSteps = 4 },
    };

    /// <summary>The training log; invokes <paramref name="onLine"/> for every line written (to die or cancel at a given step).</summary>
    private sealed class Log(Action<string> onLine) : StringWriter
    {
        public override void WriteLine(string? value)
        {
            base.WriteLine(value);
            onLine(value ?? "");
        }
    }

    private static Action<string> AtStep(int step, Action act) => line => { if (line.StartsWith($"step {step}/18 epoch", StringComparison.Ordinal)) act(); };

    private static string Sha(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));

    private static void AssertSameWeights(string expectedFolder, string actualFolder)
    {
        foreach (var file in new[] { "model.safetensors", "classifier/model.safetensors", "classifier/config.json" })
            Assert.True(Sha(Path.Combine(expectedFolder, file)) == Sha(Path.Combine(actualFolder, file)), $"{file} differs from the uninterrupted run's");
    }

    private string Straight()
    {
        var request = Request("straight");
        ClassifierTrainingRun.Run(request, TextWriter.Null);
        Assert.NotEqual(Sha(Path.Combine(ModelDir, "model.safetensors")), Sha(Path.Combine(request.OutputFolder, "model.safetensors"))); // it did train
        return request.OutputFolder;
    }

    [Fact]
    public void DiedAfterACheckpointAndResumedEndsBitIdentical()
    {
        string straight = Straight();
        // Checkpoint every 5 steps, die after step 8 (mid-epoch 2, after the step-8 evaluation): steps 6–8 are redone.
        var request = Request("killed", checkpointSteps: 5);
        Assert.Throws<IOException>(() => ClassifierTrainingRun.Run(request, new Log(AtStep(8, () => throw new IOException("process died")))));
        Assert.False(Directory.Exists(request.OutputFolder));
        Assert.True(Directory.Exists(Path.Combine(request.CheckpointFolder, "last")));
        // A kill while the next checkpoint was being written leaves a half-written last.tmp: ignored, last/ resumes.
        Directory.CreateDirectory(Path.Combine(request.CheckpointFolder, "last.tmp"));
        File.WriteAllText(Path.Combine(request.CheckpointFolder, "last.tmp", "parameters.bin"), "trunc");

        var log = new StringWriter();
        ClassifierTrainingRun.Run(request with { Resume = true }, log);
        Assert.Contains("resuming at step 5/18 (epoch 1)", log.ToString());
        AssertSameWeights(straight, request.OutputFolder);
        Assert.False(Directory.Exists(request.CheckpointFolder)); // a finished run removes its checkpoint
    }

    [Fact]
    public void CancelledRunWritesACheckpointAndResumesBitIdentical()
    {
        string straight = Straight();
        var request = Request("cancelled");
        using var cancel = new CancellationTokenSource();
        var e = Assert.Throws<ClassifierTrainingCancelledException>(() => ClassifierTrainingRun.Run(request, new Log(AtStep(6, cancel.Cancel)), cancel.Token));
        Assert.Equal(6, e.Step); // the end of epoch 1: the epoch's evaluation and the next shuffle are in the checkpoint
        var log = new StringWriter();
        ClassifierTrainingRun.Run(request with { Resume = true }, log);
        Assert.Contains("resuming at step 6/18 (epoch 2)", log.ToString());
        AssertSameWeights(straight, request.OutputFolder);
    }

    [Fact]
    public void SetFitStageCancelledOrDiedAndResumedEndsBitIdentical()
    {
        ClassifierTrainingRequest SetFit(string output, int checkpointSteps = 0) => Request(output, checkpointSteps) with
        {
            Mode = ClassifierTrainingMode.SetFit, Encoder = new EncoderTrainingOptions { EncoderLearningRate = 2e-3, SetFitIterations = 2, SetFitBatchSize = 8 },
        };
        Action<string> At(int step, Action act) => line => { if (line.StartsWith($"setfit step {step}/12 ", StringComparison.Ordinal)) act(); };
        var straight = SetFit("setfit-straight");
        ClassifierTrainingRun.Run(straight, TextWriter.Null); // 2 rounds × 24 texts × 2 pairs / 8 = 12 steps

        var died = SetFit("setfit-died", checkpointSteps: 5);
        Assert.Throws<IOException>(() => ClassifierTrainingRun.Run(died, new Log(At(7, () => throw new IOException("process died")))));
        using var cancel = new CancellationTokenSource();
        var e = Assert.Throws<ClassifierTrainingCancelledException>(() => ClassifierTrainingRun.Run(died with { Resume = true }, new Log(At(9, cancel.Cancel)), cancel.Token));
        Assert.Equal(9, e.Step);
        var lr = Assert.Throws<InvalidOperationException>(() => ClassifierTrainingRun.Run(
            died with { Resume = true, Encoder = died.Encoder with { SetFitIterations = 3 } }, TextWriter.Null));
        Assert.Contains("setfit-iterations: 2 in the checkpoint, 3 now", lr.Message);
        var log = new StringWriter();
        ClassifierTrainingRun.Run(died with { Resume = true }, log);
        Assert.Contains("setfit step 10/12 ", log.ToString()); // continued after the Ctrl+C checkpoint at step 9 …
        Assert.DoesNotContain("setfit step 9/12 ", log.ToString()); // … without redoing steps
        AssertSameWeights(straight.OutputFolder, died.OutputFolder);
        Assert.False(Directory.Exists(died.CheckpointFolder));
    }

    [Fact]
    public void ResumeRefusesAMissingCheckpointAndOtherOptionsDataOrModel()
    {
        var request = Request("refused");
        var missing = Assert.Throws<InvalidOperationException>(() => ClassifierTrainingRun.Run(request with { Resume = true }, TextWriter.Null));
        Assert.Contains("no checkpoint", missing.Message);
        using var cancel = new CancellationTokenSource();
        Assert.Throws<ClassifierTrainingCancelledException>(() => ClassifierTrainingRun.Run(request, new Log(AtStep(2, cancel.Cancel)), cancel.Token));

        var fresh = Assert.Throws<IOException>(() => ClassifierTrainingRun.Run(request, TextWriter.Null));
        Assert.Contains("--resume to continue it or --overwrite", fresh.Message);
        var lr = Assert.Throws<InvalidOperationException>(() => ClassifierTrainingRun.Run(
            request with { Resume = true, Options = request.Options with { LearningRate = 0.01 } }, TextWriter.Null));
        Assert.Contains("lr: 0.05 in the checkpoint, 0.01 now", lr.Message);
        Assert.DoesNotContain("encoder-lr", lr.Message);
        var data = Assert.Throws<InvalidOperationException>(() => ClassifierTrainingRun.Run(
            request with { Resume = true, DataFile = request.ValidationFile!, ValidationFile = request.DataFile }, TextWriter.Null));
        Assert.Contains("  data: ", data.Message);
        Assert.Contains("  validation: ", data.Message);
        var model = Assert.Throws<InvalidOperationException>(() => ClassifierTrainingRun.Run(
            request with { Resume = true, ModelFolder = Path.Combine(ReferenceFixture.RepoRoot(), "tests", "fixtures", "reference", "models", "mini-cls-f16-prefixed") }, TextWriter.Null));
        Assert.Contains("  model: ", model.Message);
        Assert.Throws<ArgumentException>(() => ClassifierTrainingRun.Run(request with { Resume = true, Mode = ClassifierTrainingMode.Frozen }, TextWriter.Null));
        var setfit = Assert.Throws<InvalidOperationException>(() => ClassifierTrainingRun.Run(request with { Resume = true, Mode = ClassifierTrainingMode.SetFit }, TextWriter.Null));
        Assert.Contains("no checkpoint", setfit.Message); // end-to-end's checkpoint is not a SetFit stage's
        // The refusals left the checkpoint alone: the right command still resumes.
        ClassifierTrainingRun.Run(request with { Resume = true }, TextWriter.Null);
        Assert.True(File.Exists(Path.Combine(request.OutputFolder, "classifier", "model.safetensors")));
    }
}
