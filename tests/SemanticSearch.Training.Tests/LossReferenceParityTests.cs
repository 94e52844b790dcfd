using SemanticSearch.Training.Losses;

namespace SemanticSearch.Training.Tests;

/// <summary>Every loss's value and embedding gradient against PyTorch float64 autograd (reference.json).</summary>
public class LossReferenceParityTests
{
    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (var name in ReferenceFixture.LossCaseNames()) data.Add(name);
        return data;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void ValueAndGradientMatchPyTorch(string name)
    {
        var c = ReferenceFixture.LossCase(name);
        var output = LossCases.LossFor(c).Compute(LossCases.BatchFor(c));

        double expectedLoss = c.GetProperty("loss").GetDouble();
        Assert.True(Math.Abs(output.Loss - expectedLoss) <= 1e-6 * Math.Max(1, Math.Abs(expectedLoss)),
            $"{name}: loss {output.Loss} vs torch {expectedLoss}");

        var expected = c.GetProperty("grads").EnumerateArray().Select(ReferenceFixture.Floats).ToList();
        double norm = LossCases.Norm(expected);
        Assert.True(norm > 1e-3, $"{name}: reference gradient is ~0, the case would not test anything");
        Assert.Equal(expected.Count, output.Gradients.Length);
        for (int col = 0; col < expected.Count; col++)
            for (int k = 0; k < expected[col].Length; k++)
                Assert.True(Math.Abs(output.Gradients[col][k] - expected[col][k]) <= 1e-4 * norm,
                    $"{name}: column {col} element {k}: {output.Gradients[col][k]} vs torch {expected[col][k]} (|g| = {norm})");
    }

    [Fact]
    public void SoftmaxCrossEntropyMatchesPyTorchWithAndWithoutClassWeights()
    {
        foreach (var c in ReferenceFixture.Json.GetProperty("softmax").EnumerateArray())
        {
            var logits = ReferenceFixture.Floats(c.GetProperty("logits"));
            var labels = c.GetProperty("labels").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var weights = c.GetProperty("class_weights").ValueKind == System.Text.Json.JsonValueKind.Null
                ? [] : ReferenceFixture.Floats(c.GetProperty("class_weights"));
            var grad = new float[logits.Length];
            double loss = SoftmaxCrossEntropyLoss.Compute(logits, labels, c.GetProperty("classes").GetInt32(), weights, grad);
            Assert.Equal(c.GetProperty("loss").GetDouble(), loss, 1e-6);
            var expected = ReferenceFixture.Floats(c.GetProperty("grad"));
            for (int k = 0; k < grad.Length; k++) Assert.Equal(expected[k], grad[k], 1e-6);
        }
    }

    [Fact]
    public void MatryoshkaGradientIsZeroBeyondTheLargestDimension()
    {
        var c = ReferenceFixture.LossCase("mnrl");
        var batch = LossCases.BatchFor(c);
        var output = new MatryoshkaLoss(new MultipleNegativesRankingLoss(), [8, 4]).Compute(batch);
        for (int r = 0; r < batch.Rows; r++)
            for (int k = 8; k < batch.Dim; k++) Assert.Equal(0f, output.Gradients[0][r * batch.Dim + k]);
        // And the value is the sum of the inner loss on each prefix.
        double sum = new MultipleNegativesRankingLoss().Compute(batch.TruncateDims(8)).Loss
                     + new MultipleNegativesRankingLoss().Compute(batch.TruncateDims(4)).Loss;
        Assert.Equal(sum, output.Loss, 1e-9);
    }

    [Fact]
    public void LossesRejectBatchesWithoutWhatTheyNeed()
    {
        var batch = new EmbeddingBatch(2, 3, [new float[6], new float[6]]);
        var e = Assert.Throws<ArgumentException>(() => new CoSentLoss().Compute(batch));
        Assert.Contains("CoSENTLoss needs a label per row", e.Message);
        var one = new EmbeddingBatch(2, 3, [new float[6]]);
        Assert.Contains("2..", Assert.Throws<ArgumentException>(() => new MultipleNegativesRankingLoss().Compute(one)).Message);
        Assert.Throws<ArgumentException>(() => new MatryoshkaLoss(new CosineSimilarityLoss(), [4]).Compute(
            new EmbeddingBatch(2, 3, [new float[6], new float[6]], [0.5f, 0.5f])));
    }
}
