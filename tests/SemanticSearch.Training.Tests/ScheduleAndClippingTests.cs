using SemanticSearch.Training.Optimization;

namespace SemanticSearch.Training.Tests;

public class ScheduleAndClippingTests
{
    [Fact]
    public void LinearWarmupScheduleMatchesTransformers()
    {
        var r = ReferenceFixture.Json.GetProperty("adamw");
        var schedule = new LinearWarmupSchedule(1.0, r.GetProperty("warmup").GetInt32(), r.GetProperty("total").GetInt32());
        foreach (var point in r.GetProperty("schedule").EnumerateObject())
            Assert.Equal(point.Value.GetDouble(), schedule.Multiplier(long.Parse(point.Name)), 12);
        // Hand values: warm-up 10, total 100.
        Assert.Equal(0.0, schedule.Multiplier(0));
        Assert.Equal(0.3, schedule.Multiplier(3), 12);
        Assert.Equal(1.0, schedule.Multiplier(10), 12);
        Assert.Equal(0.5, schedule.Multiplier(55), 12);
        Assert.Equal(0.0, schedule.Multiplier(250));
        Assert.Equal(2e-5 * 0.5, new LinearWarmupSchedule(2e-5, 10, 100).LearningRate(55), 15);
    }

    [Fact]
    public void ZeroWarmupStartsAtFullRate()
    {
        var schedule = new LinearWarmupSchedule(1.0, 0, 4);
        Assert.Equal(new[] { 1.0, 0.75, 0.5, 0.25, 0.0 }, Enumerable.Range(0, 5).Select(s => schedule.Multiplier(s)));
    }

    [Fact]
    public void ClippingMatchesTorchClipGradNorm()
    {
        var c = ReferenceFixture.Json.GetProperty("clip");
        var grads = c.GetProperty("grads").EnumerateArray().Select(ReferenceFixture.Floats).ToList();
        var parameters = grads.Select((g, i) => new TrainableParameter($"p{i}", new float[g.Length], g)).ToList();
        double total = GradientClipping.ClipGlobalNorm(parameters, c.GetProperty("max_norm").GetDouble());
        Assert.Equal(c.GetProperty("total_norm").GetDouble(), total, 5);
        var clipped = c.GetProperty("clipped").EnumerateArray().Select(ReferenceFixture.Floats).ToList();
        for (int p = 0; p < clipped.Count; p++)
            for (int k = 0; k < clipped[p].Length; k++) Assert.Equal(clipped[p][k], (double)parameters[p].Gradients[k], 1e-6);
    }

    [Fact]
    public void ClippingUsesTheEpsilonAndLeavesSmallGradientsAlone()
    {
        // ‖(3, 4)‖ = 5 → coefficient 1 / (5 + 1e-6): the clipped norm lands just below 1.
        var p = new TrainableParameter("w", new float[2], new float[] { 3f, 4f });
        Assert.Equal(5.0, GradientClipping.ClipGlobalNorm([p], 1.0), 12);
        Assert.Equal(3f / (5f + 1e-6f), p.Gradients[0], 7);
        Assert.Equal(4f / (5f + 1e-6f), p.Gradients[1], 7);

        var small = new TrainableParameter("b", new float[2], new float[] { 0.3f, 0.4f });
        Assert.Equal(0.5, GradientClipping.ClipGlobalNorm([small], 1.0), 6);
        Assert.Equal(new[] { 0.3f, 0.4f }, small.Gradients.ToArray());
    }

    [Fact]
    public void NonFiniteCheckNamesParameterAndIndex()
    {
        var ok = new TrainableParameter("a", new float[3], new float[] { 1, 2, 3 });
        Assert.Null(NonFiniteGradientCheck.FindFirst([ok]));
        var bad = new TrainableParameter("encoder.layer.1.output.dense.weight", new float[3], new float[] { 0, float.NaN, float.PositiveInfinity });
        var found = NonFiniteGradientCheck.FindFirst([ok, bad]);
        Assert.NotNull(found);
        Assert.Equal("encoder.layer.1.output.dense.weight", found.Value.ParameterName);
        Assert.Equal(1, found.Value.Index);
        Assert.Contains("index 1", found.Value.ToString());
    }
}
