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

    [Fact]
    public void ForUsesMoreThanOneThreadWhenAllowed()
    {
        var threadIds = new HashSet<int>();
        Reference.WithThreads(2, () => ComputeThreads.For(64, _ =>
        {
            lock (threadIds) threadIds.Add(Environment.CurrentManagedThreadId);
            Thread.Sleep(2); // give the helper time to pick items up
        }));
        Assert.True(threadIds.Count >= 2, $"items ran on {threadIds.Count} thread(s)");
    }

    [Fact]
    public void ExceptionInAnItemReachesTheCallerWithItsOwnType()
    {
        var ex = Record.Exception(() => Reference.WithThreads(2, () =>
            ComputeThreads.For(100, i => { if (i == 37) throw new InvalidOperationException("item 37"); })));
        Assert.IsType<InvalidOperationException>(ex);
        // The pool is usable again afterwards.
        var hits = new int[10];
        Reference.WithThreads(2, () => ComputeThreads.For(hits.Length, i => hits[i]++));
        Assert.All(hits, h => Assert.Equal(1, h));
    }

    [Fact]
    public void NestedAndConcurrentRegionsAllComplete()
    {
        var hits = new int[4 * 50];
        Reference.WithThreads(2, () =>
        {
            // Two callers at once (one gets the pool, the other falls back), each nesting a region.
            Parallel.For(0, 2, caller =>
                ComputeThreads.For(2, outer =>
                    ComputeThreads.For(50, inner => Interlocked.Increment(ref hits[(caller * 2 + outer) * 50 + inner]))));
        });
        Assert.All(hits, h => Assert.Equal(1, h));
    }
}
