using System.Text.Json;
using SemanticSearch.Model;
using SemanticSearch.Training.Data;
using SemanticSearch.Training.Encoder;
using SemanticSearch.Training.Loop;
using SemanticSearch.Training.Optimization;

namespace SemanticSearch.Training.Torch.Tests;

/// <summary>
/// Eight steps of MNRL with a hard-negative column + clipping + AdamW (two weight-decay groups) at the warm-up/decay
/// schedule, against PyTorch float64 (tests/fixtures/training/training-steps.json, tools/reference/make_training_steps.py),
/// on both backends through the one seam the loop uses, with one tolerance: the losses within 1e-4 and every final
/// weight within 1e-4 absolute (the base learning rate is 5e-3). The key biases are left out: softmax is invariant
/// to them, so their exact gradient is 0 and Adam turns the float rounding left in it (1e-17 in float64, 1e-9 in
/// float32) into steps of up to lr that only say which rounding each side had.
/// </summary>
public class TrainingStepsReferenceTests
{
    private const double LossTolerance = 1e-4, WeightTolerance = 1e-4;
    private static readonly Lazy<JsonElement> Fixture = new(() =>
        JsonDocument.Parse(File.ReadAllText(Fixtures.Training("training-steps.json"))).RootElement);

    private static readonly TrainingGraphOptions NoDropout = new() { HiddenDropout = 0, AttentionDropout = 0, Seed = 1 };

    [Fact]
    public void Managed_backend_matches_pytorch() =>
        Check(encoder => new ManagedTrainingBackend(new BertFineTunableEncoder(encoder, NoDropout)));

    [Fact]
    public void Torch_backend_on_cpu_matches_pytorch() =>
        Check(encoder => new TorchTrainingBackend(encoder, NoDropout, TorchDevice.Parse("cpu")));

    private static void Check(Func<SentenceEncoder, ITrainingBackend> create)
    {
        var f = Fixture.Value;
        var encoder = SentenceEncoder.Load(Fixtures.Training("encoder-model"));
        var backend = create(encoder);
        try
        {
            var batches = f.GetProperty("batches").EnumerateArray()
                .Select(b => b.EnumerateArray().Select(c => c.EnumerateArray().Select(s => s.EnumerateArray().Select(e => e.GetInt32()).ToArray()).ToArray()).ToArray())
                .ToArray();
            int rows = batches[0][0].Length;
            // Texts stand for the fixture's id sequences: "s{step}c{column}r{row}".
            var tokens = new Dictionary<string, int[]>();
            var examples = new List<AnchorPositiveExample>();
            for (int s = 0; s < batches.Length; s++)
                for (int r = 0; r < rows; r++)
                {
                    string Key(int c) { string k = $"s{s}c{c}r{r}"; tokens[k] = batches[s][c][r]; return k; }
                    examples.Add(new AnchorPositiveExample(Key(0), Key(1), Key(2)));
                }
            var options = new FineTuneOptions
            {
                OutputDirectory = "unused", LearningRate = f.GetProperty("base_lr").GetDouble(), WeightDecay = f.GetProperty("weight_decay").GetDouble(),
                MaxGradNorm = f.GetProperty("clip").GetDouble(),
            };
            backend.Begin(new TrainingRunSetup(options, TrainingExamples.FromAnchorPositive(examples), tokens));
            var schedule = new LinearWarmupSchedule(options.LearningRate, f.GetProperty("warmup").GetInt32(), f.GetProperty("total").GetInt32());
            var steps = f.GetProperty("steps").EnumerateArray().ToArray();
            for (int s = 0; s < batches.Length; s++)
            {
                backend.ZeroGradients();
                double loss = backend.RunMicroBatch(Enumerable.Range(s * rows, rows).ToArray(), 1.0);
                Assert.True(Math.Abs(loss - steps[s].GetProperty("loss").GetDouble()) <= LossTolerance, $"step {s + 1}: loss {loss} vs torch {steps[s].GetProperty("loss").GetDouble()}");
                double norm = backend.ClipGradients(options.MaxGradNorm);
                Assert.True(Math.Abs(norm - steps[s].GetProperty("grad_norm").GetDouble()) <= 1e-3 * Math.Max(1, norm), $"step {s + 1}: grad norm {norm}");
                double lr = schedule.LearningRate(s);
                Assert.Equal(steps[s].GetProperty("lr").GetDouble(), lr, 12);
                backend.Step(lr);
            }
            string saved = Fixtures.TempDirectory();
            try
            {
                backend.SaveModel(saved);
                var trained = SentenceEncoder.Load(saved);
                int compared = 0;
                var final = f.GetProperty("final");
                foreach (var (name, _, values) in trained.Transformer.Weights.EnumerateNamed(trained.Transformer.Config))
                {
                    if (!final.TryGetProperty(name, out var expected)) continue;
                    compared++;
                    if (name.EndsWith("attention.self.key.bias", StringComparison.Ordinal)) continue;
                    var reference = expected.EnumerateArray().Select(e => e.GetDouble()).ToArray();
                    Assert.Equal(reference.Length, values.Length);
                    double worst = 0;
                    for (int i = 0; i < values.Length; i++) worst = Math.Max(worst, Math.Abs(values[i] - reference[i]));
                    Assert.True(worst <= WeightTolerance, $"{name}: max |ours − torch| = {worst:E3}");
                }
                Assert.Equal(final.EnumerateObject().Count(), compared);
            }
            finally { Directory.Delete(saved, recursive: true); }
        }
        finally { (backend as IDisposable)?.Dispose(); }
    }
}
