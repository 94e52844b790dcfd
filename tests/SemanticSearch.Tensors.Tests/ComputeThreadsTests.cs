namespace SemanticSearch.Tensors.Tests;

public class ComputeThreadsTests
{
    [Fact]
    public void DefaultsToAtLeastOneAndRejectsZero()
    {
        Assert.True(ComputeThreads.Count >= 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => ComputeThreads.Count = 0);
        Reference.WithThreads(3, () => Assert.Equal(3, ComputeThreads.Count));
    }

    [Fact]
    public void ForRunsEveryItemExactlyOnce()
    {
        var hits = new int[1000];
        Reference.WithThreads(2, () => ComputeThreads.For(hits.Length, i => Interlocked.Increment(ref hits[i])));
        Assert.All(hits, h => Assert.Equal(1, h));
    }
}
