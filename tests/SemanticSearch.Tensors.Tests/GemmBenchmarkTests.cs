namespace SemanticSearch.Tensors.Tests;

public class GemmBenchmarkTests
{
    [Fact]
    public void FmaPeakIsPositiveAndFinite()
    {
        double peak = FmaThroughput.MeasureGflops(1, seconds: 0.05);
        Assert.True(peak > 0 && double.IsFinite(peak), $"peak {peak}");
    }

    [Fact]
    public void BenchmarkPrintsPeakAndOneRowPerLayerAndThreadCount()
    {
        var output = new StringWriter();
        GemmBenchmark.Run(output, tokenCounts: [8], threadCounts: [1, 2], secondsPerCase: 0.01);
        string text = output.ToString();
        Assert.Contains("FMA peak, 1 core, by CPU time", text);
        Assert.Contains("FMA peak, 2 thread(s), wall clock", text);
        foreach (var layer in new[] { "qkv", "attn-out", "ffn-up", "ffn-down" })
        {
            var rows = text.Split('\n').Where(l => l.StartsWith(layer + " ")).ToArray();
            Assert.Equal(2, rows.Length); // one per thread count
            Assert.All(rows, r => Assert.Contains("|", r));
        }
    }
}
