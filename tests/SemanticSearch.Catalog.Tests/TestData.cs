using NuGet.Configuration;

namespace SemanticSearch.Catalog.Tests;

/// <summary>The repository, the shared data sets and the model packages the test project restored.</summary>
internal static class TestData
{
    public static string RepoRoot { get; } = FindRepoRoot();
    public static string SharedData => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "data"));
    public static string SharedMiniLm => Path.Combine(SharedData, "all-MiniLM-L6-v2");

    /// <summary>The global packages folder `dotnet restore` filled (PackageDownload in the test project).</summary>
    public static string GlobalPackages { get; } = SettingsUtility.GetGlobalPackagesFolder(Settings.LoadDefaultSettings(RepoRoot));

    public static string PackageFolder(PretrainedModel model) =>
        Path.Combine(GlobalPackages, model.PackageId.ToLowerInvariant(), model.PackageVersion);

    public static string Nupkg(PretrainedModel model) =>
        Path.Combine(PackageFolder(model), $"{model.PackageId.ToLowerInvariant()}.{model.PackageVersion}.nupkg");

    public static string Assembly(PretrainedModel model) => Path.Combine(PackageFolder(model), model.AssemblyEntry);

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SemanticSearch.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no SemanticSearch.sln above {AppContext.BaseDirectory}");
    }
}

/// <summary>A fresh directory deleted at the end.</summary>
internal sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("semsearch-catalog-tests-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>
/// A NuGet.Config that clears the machine's sources and lists one folder feed holding links to the restored model
/// packages: the bad-input tests change what is on the feed without touching the network.
/// </summary>
internal sealed class LocalFeed : IDisposable
{
    private readonly TempDirectory _dir = new();

    public LocalFeed(params PretrainedModel[] models) : this(models.Select(TestData.Nupkg).ToArray()) { }

    public LocalFeed(string[] packages, string? extraSource = null)
    {
        string feed = Path.Combine(_dir.Path, "feed");
        Directory.CreateDirectory(feed);
        foreach (string package in packages) System.IO.File.CreateSymbolicLink(Path.Combine(feed, Path.GetFileName(package)), package);
        System.IO.File.WriteAllText(Path.Combine(_dir.Path, "NuGet.Config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                {(extraSource is null ? "" : $"<add key=\"unreachable\" value=\"{extraSource}\" />")}
                {(packages.Length == 0 && extraSource is not null ? "" : $"<add key=\"local\" value=\"{feed}\" />")}
              </packageSources>
            </configuration>
            """);
    }

    /// <summary>A configuration whose only source is <paramref name="source"/>.</summary>
    public static LocalFeed OnlySource(string source) => new([], source);

    public NuGetPackageSource Source => new(_dir.Path);

    public void Dispose() => _dir.Dispose();
}
