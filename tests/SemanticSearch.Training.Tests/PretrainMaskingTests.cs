using SemanticSearch.Training.Pretraining;

namespace SemanticSearch.Training.Tests;

/// <summary>The 80/10/10 masking rule of <see cref="MaskedTokenSampler"/>.</summary>
public class PretrainMaskingTests
{
    [Fact]
    public void SelectsTheRequestedShareSplitEightyTenTenAndNeverSpecialTokens()
    {
        const int cls = 101, sep = 102, pad = 0, mask = 103, vocab = 30522;
        var sampler = new MaskedTokenSampler(vocab, mask, [cls, sep, pad], 0.15);
        var random = new Random(1);
        int tokens = 0, selected = 0, masked = 0, kept = 0, replaced = 0;
        for (int n = 0; n < 4000; n++)
        {
            var ids = new int[] { cls }.Concat(Enumerable.Range(0, 20).Select(i => 2000 + (n * 7 + i) % 500)).Append(sep).Append(pad).ToArray();
            var (inputs, labels) = sampler.Mask(ids, random);
            Assert.Equal(ids.Length, inputs.Length);
            foreach (int special in new[] { 0, ids.Length - 2, ids.Length - 1 })
            {
                Assert.Equal(ids[special], inputs[special]);
                Assert.Equal(MaskedTokenSampler.Ignore, labels[special]);
            }
            for (int i = 1; i <= 20; i++)
            {
                tokens++;
                if (labels[i] == MaskedTokenSampler.Ignore) { Assert.Equal(ids[i], inputs[i]); continue; }
                Assert.Equal(ids[i], labels[i]);
                selected++;
                if (inputs[i] == mask) masked++; else if (inputs[i] == ids[i]) kept++; else replaced++;
            }
        }
        Assert.InRange(selected / (double)tokens, 0.14, 0.16);
        Assert.InRange(masked / (double)selected, 0.78, 0.82);
        Assert.InRange(replaced / (double)selected, 0.085, 0.115);
        Assert.InRange(kept / (double)selected, 0.085, 0.115);
    }

    [Fact]
    public void ASequenceAlwaysGetsOnePrediction()
    {
        var sampler = new MaskedTokenSampler(100, 3, [1, 2], 0.01);
        var random = new Random(2);
        for (int n = 0; n < 200; n++)
        {
            var (_, labels) = sampler.Mask([1, 50, 2], random);
            Assert.Equal(50, labels[1]);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => new MaskedTokenSampler(100, 3, [], 0));
    }
}
