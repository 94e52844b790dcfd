using System.Text.Json;
using SemanticSearch.Training.Optimization;

namespace SemanticSearch.Training.Tests;

public class AdamWTests
{
    private static JsonElement Ref => ReferenceFixture.Json.GetProperty("adamw");

    /// <summary>The reference parameters (initial values) with fresh gradient buffers, split by the no-decay rule.</summary>
    private static (List<TrainableParameter> Parameters, AdamW Optimizer, LinearWarmupSchedule Schedule) Setup()
    {
        var names = Ref.GetProperty("names").EnumerateArray().Select(e => e.GetString()!).ToList();
        var initial = Ref.GetProperty("initial").EnumerateArray().Select(ReferenceFixture.Floats).ToList();
        var parameters = names.Select((n, i) => new TrainableParameter(n, initial[i], new float[initial[i].Length])).ToList();
        var groups = WeightDecayGrouping.Split(parameters, Ref.GetProperty("weight_decay").GetDouble());
        var schedule = new LinearWarmupSchedule(Ref.GetProperty("base_lr").GetDouble(), Ref.GetProperty("warmup").GetInt32(),
            Ref.GetProperty("total").GetInt32());
        return (parameters, new AdamW(groups), schedule);
    }

    private static void RunStep(List<TrainableParameter> parameters, AdamW optimizer, LinearWarmupSchedule schedule, int stepIndex)
    {
        var step = Ref.GetProperty("steps")[stepIndex];
        var grads = step.GetProperty("grads").EnumerateArray().Select(ReferenceFixture.Floats).ToList();
        for (int p = 0; p < parameters.Count; p++) grads[p].CopyTo(parameters[p].Gradients);
        // The reference advances the scheduler before each optimizer step: step k of warm-up uses lr(k).
        double lr = schedule.LearningRate(stepIndex + 1);
        Assert.Equal(step.GetProperty("lr").GetDouble(), lr, 1e-12);
        optimizer.Step(lr);
    }

    private static void AssertMatches(List<TrainableParameter> parameters, int stepIndex)
    {
        var after = Ref.GetProperty("steps")[stepIndex].GetProperty("after").EnumerateArray().Select(ReferenceFixture.Floats).ToList();
        for (int p = 0; p < parameters.Count; p++)
            for (int k = 0; k < after[p].Length; k++)
                Assert.True(Math.Abs(parameters[p].Values[k] - after[p][k]) <= 1e-5,
                    $"step {stepIndex + 1}, '{parameters[p].Name}'[{k}]: {parameters[p].Values[k]} vs torch {after[p][k]}");
    }

    [Fact]
    public void ThreeWarmupStepsMatchTorchAdamW()
    {
        var (parameters, optimizer, schedule) = Setup();
        var initial = parameters.Select(p => p.Values.ToArray()).ToList();
        for (int s = 0; s < 3; s++)
        {
            RunStep(parameters, optimizer, schedule, s);
            AssertMatches(parameters, s);
        }
        Assert.Equal(3, optimizer.StepCount);
        // The update must have moved every parameter, or the comparison above proves little.
        for (int p = 0; p < parameters.Count; p++) Assert.NotEqual(initial[p], parameters[p].Values.ToArray());
    }

    [Fact]
    public void NoDecayRuleFollowsSentenceTransformersNames()
    {
        Assert.True(WeightDecayGrouping.IsDecayed("encoder.layer.0.attention.self.query.weight"));
        Assert.False(WeightDecayGrouping.IsDecayed("encoder.layer.0.attention.self.query.bias"));
        Assert.False(WeightDecayGrouping.IsDecayed("embeddings.LayerNorm.weight"));
        Assert.False(WeightDecayGrouping.IsDecayed("encoder.layer.3.output.LayerNorm.bias"));
        Assert.True(WeightDecayGrouping.IsDecayed("embeddings.word_embeddings.weight"));
    }

    [Fact]
    public void WeightDecayIsDecoupledFromTheGradient()
    {
        // Zero gradient: Adam's update is 0, so only p·(1 − lr·wd) remains for decayed params; no-decay params stay.
        var w = new TrainableParameter("dense.weight", new float[] { 2f }, new float[1]);
        var b = new TrainableParameter("dense.bias", new float[] { 2f }, new float[1]);
        var optimizer = new AdamW(WeightDecayGrouping.Split([w, b], 0.1));
        optimizer.Step(0.5);
        Assert.Equal(2f * (1 - 0.5f * 0.1f), w.Values[0], 6);
        Assert.Equal(2f, b.Values[0]);
    }

    [Fact]
    public void StateRoundTripsThroughBytesAndResumesIdentically()
    {
        var (parameters, optimizer, schedule) = Setup();
        RunStep(parameters, optimizer, schedule, 0);
        byte[] saved = AdamWStateFile.ToBytes(optimizer);

        // A fresh optimizer over copies of the same weights, restored from bytes, continues exactly like torch.
        var copies = parameters.Select(p => new TrainableParameter(p.Name, p.Values.ToArray(), new float[p.Values.Length])).ToList();
        var resumed = new AdamW(WeightDecayGrouping.Split(copies, Ref.GetProperty("weight_decay").GetDouble()));
        AdamWStateFile.Load(resumed, new MemoryStream(saved), "state.bin");
        Assert.Equal(1, resumed.StepCount);
        RunStep(copies, resumed, schedule, 1);
        AssertMatches(copies, 1);
    }

    [Fact]
    public void LoadingStateForOtherParametersNamesTheParameter()
    {
        var (_, optimizer, _) = Setup();
        byte[] saved = AdamWStateFile.ToBytes(optimizer);
        var other = new[]
        {
            new TrainableParameter("encoder.layer.0.attention.self.query.weight", new float[12], new float[12]),
            new TrainableParameter("pooler.dense.bias", new float[4], new float[4]),
            new TrainableParameter("embeddings.LayerNorm.weight", new float[4], new float[4]),
        };
        var e = Assert.Throws<InvalidDataException>(() =>
            AdamWStateFile.Load(new AdamW(WeightDecayGrouping.Split(other, 0.01)), new MemoryStream(saved), "ckpt/optimizer.bin"));
        Assert.Contains("ckpt/optimizer.bin", e.Message);
        Assert.Contains("encoder.layer.0.attention.self.query.bias", e.Message);

        var truncated = saved.AsSpan(0, saved.Length - 3).ToArray();
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() =>
            AdamWStateFile.Load(optimizer, new MemoryStream(truncated), "x.bin")).Message);
    }
}
