namespace SemanticSearch.Training.Tests;

/// <summary>
/// Central finite differences on every loss, independent of PyTorch: perturb one embedding element by ±h and compare
/// (L⁺ − L⁻) / (x⁺ − x⁻) with the analytic gradient (the denominator uses the float values actually fed in).
/// </summary>
public class LossFiniteDifferenceTests
{
    [Theory]
    [MemberData(nameof(LossReferenceParityTests.CaseNames), MemberType = typeof(LossReferenceParityTests))]
    public void AnalyticGradientMatchesFiniteDifferences(string name)
    {
        var c = ReferenceFixture.LossCase(name);
        var loss = LossCases.LossFor(c);
        var batch = LossCases.BatchFor(c);
        var analytic = loss.Compute(batch).Gradients;
        double norm = LossCases.Norm(analytic);
        const float h = 1e-3f;
        // Every 5th element of every column keeps the test fast while touching all rows, columns and most dims.
        for (int col = 0; col < batch.Columns.Count; col++)
            for (int k = col; k < batch.Columns[col].Length; k += 5)
            {
                var x = batch.Columns[col];
                float saved = x[k];
                float plus = saved + h, minus = saved - h;
                x[k] = plus;
                double lp = loss.Compute(batch).Loss;
                x[k] = minus;
                double lm = loss.Compute(batch).Loss;
                x[k] = saved;
                double numeric = (lp - lm) / ((double)plus - minus);
                // Measured worst case is 4e-7·‖g‖ (Matryoshka MNRL); 1e-5·‖g‖ still catches a wrong term.
                Assert.True(Math.Abs(numeric - analytic[col][k]) <= 1e-5 * norm + 1e-7,
                    $"{name}: column {col} element {k}: finite difference {numeric} vs analytic {analytic[col][k]}");
            }
    }

    [Fact]
    public void SoftmaxCrossEntropyGradientMatchesFiniteDifferences()
    {
        var c = ReferenceFixture.Json.GetProperty("softmax")[1]; // the class-weighted case
        var logits = ReferenceFixture.Floats(c.GetProperty("logits"));
        var labels = c.GetProperty("labels").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var weights = ReferenceFixture.Floats(c.GetProperty("class_weights"));
        int classes = c.GetProperty("classes").GetInt32();
        var grad = new float[logits.Length];
        var scratch = new float[logits.Length];
        Losses.SoftmaxCrossEntropyLoss.Compute(logits, labels, classes, weights, grad);
        const float h = 1e-3f;
        for (int k = 0; k < logits.Length; k++)
        {
            float saved = logits[k], plus = saved + h, minus = saved - h;
            logits[k] = plus;
            double lp = Losses.SoftmaxCrossEntropyLoss.Compute(logits, labels, classes, weights, scratch);
            logits[k] = minus;
            double lm = Losses.SoftmaxCrossEntropyLoss.Compute(logits, labels, classes, weights, scratch);
            logits[k] = saved;
            Assert.Equal((lp - lm) / ((double)plus - minus), grad[k], 1e-6);
        }
    }
}
