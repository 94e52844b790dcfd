namespace SemanticSearch.Tensors.Tests;

public class AttentionTests
{
    // Naive per-sequence, per-head attention in double: P = softmax(q·kᵀ/√d), O = P·V.
    private static (double[] output, double[] probs) Naive(float[] qkv, int[] offsets, int heads, int hidden)
    {
        int d = hidden / heads, tokens = offsets[^1];
        var output = new double[tokens * hidden];
        var probs = new List<double>();
        for (int s = 0; s + 1 < offsets.Length; s++)
        {
            int start = offsets[s], len = offsets[s + 1] - start;
            for (int h = 0; h < heads; h++)
            {
                double Q(int i, int c) => qkv[(start + i) * 3 * hidden + h * d + c];
                double K(int j, int c) => qkv[(start + j) * 3 * hidden + hidden + h * d + c];
                double V(int j, int c) => qkv[(start + j) * 3 * hidden + 2 * hidden + h * d + c];
                for (int i = 0; i < len; i++)
                {
                    var row = new double[len];
                    for (int j = 0; j < len; j++)
                    {
                        double dot = 0;
                        for (int c = 0; c < d; c++) dot += Q(i, c) * K(j, c);
                        row[j] = dot / Math.Sqrt(d);
                    }
                    double max = row.Max();
                    double sum = row.Sum(v => Math.Exp(v - max));
                    for (int j = 0; j < len; j++) row[j] = Math.Exp(row[j] - max) / sum;
                    probs.AddRange(row);
                    for (int c = 0; c < d; c++)
                    {
                        double o = 0;
                        for (int j = 0; j < len; j++) o += row[j] * V(j, c);
                        output[(start + i) * hidden + h * d + c] = o;
                    }
                }
            }
        }
        return (output, probs.ToArray());
    }

    [Theory]
    [InlineData(3, 21)]  // head dim 7: padded channel path
    [InlineData(2, 32)]  // head dim 16
    [InlineData(12, 384)] // MiniLM-L6 shape, head dim 32
    public void MatchesNaivePerSequenceReference(int heads, int hidden)
    {
        int[] offsets = [0, 1, 6, 19, 52, 60];
        var qkv = Reference.Random(offsets[^1] * 3 * hidden, hidden, 2f);
        var output = new float[offsets[^1] * hidden];
        var probs = new float[Attention.ProbsLength(offsets, heads)];
        Assert.Equal(heads * (1 + 25 + 169 + 1089 + 64), probs.Length);
        Attention.Forward(output, probs, qkv, offsets, heads, hidden);
        var (expectedOut, expectedProbs) = Naive(qkv, offsets, heads, hidden);
        Reference.AssertClose(expectedProbs, probs, 1e-6, 1e-5, "probs");
        Reference.AssertClose(expectedOut, output, 1e-5, 1e-5, "output");
    }

    [Fact]
    public void SequenceResultIsBitIdenticalAloneInAnyBatchAndAnyThreadCount()
    {
        const int heads = 4, hidden = 64;
        int[] lengths = [9, 1, 17, 30, 4];
        var perSequence = lengths.Select((len, s) => Reference.Random(len * 3 * hidden, 100 + s)).ToArray();

        (float[] output, float[] probs) Run(int[] order, int threads)
        {
            var offsets = new int[order.Length + 1];
            for (int i = 0; i < order.Length; i++) offsets[i + 1] = offsets[i] + lengths[order[i]];
            var qkv = order.SelectMany(s => perSequence[s]).ToArray();
            var output = new float[offsets[^1] * hidden];
            var probs = new float[Attention.ProbsLength(offsets, heads)];
            Reference.WithThreads(threads, () => Attention.Forward(output, probs, qkv, offsets, heads, hidden));
            return (output, probs);
        }

        var batch = Run([0, 1, 2, 3, 4], 2);
        var reversed = Run([4, 3, 2, 1, 0], 1);
        var alone = Run([2], 1);
        // Sequence 2 starts at token 10 in the batch and at token 4+30 = 34 in the reversed batch.
        Reference.AssertBitsEqual(batch.output.AsSpan(10 * hidden, 17 * hidden), alone.output, "batch vs alone");
        Reference.AssertBitsEqual(reversed.output.AsSpan(34 * hidden, 17 * hidden), alone.output, "reversed batch vs alone");
        int probsStart = heads * (81 + 1);
        Reference.AssertBitsEqual(batch.probs.AsSpan(probsStart, heads * 17 * 17), alone.probs, "probs batch vs alone");
    }

    [Fact]
    public void EmptyProbsGivesTheSameOutputForInference()
    {
        int[] offsets = [0, 12, 20];
        const int heads = 2, hidden = 16;
        var qkv = Reference.Random(offsets[^1] * 3 * hidden, 9);
        var withProbs = new float[offsets[^1] * hidden];
        var without = new float[offsets[^1] * hidden];
        Attention.Forward(withProbs, new float[Attention.ProbsLength(offsets, heads)], qkv, offsets, heads, hidden);
        Attention.Forward(without, [], qkv, offsets, heads, hidden);
        Reference.AssertBitsEqual(withProbs, without, "output with vs without saved probs");
    }

    [Fact]
    public void RejectsInconsistentShapes()
    {
        var ex = Assert.Throws<ArgumentException>(() => Attention.Forward(new float[10], [], new float[30], [0, 1], 3, 10));
        Assert.Contains("multiple of heads", ex.Message);
        Assert.Throws<ArgumentException>(() => Attention.Forward(new float[8], [], new float[20], [0, 1], 2, 8));
        Assert.Throws<ArgumentException>(() => Attention.Forward(new float[8], new float[3], new float[24], [0, 1], 2, 8));
    }
}
