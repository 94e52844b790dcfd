namespace SemanticSearch.Model.Tests;

/// <summary>Locations of the repository, its reference fixtures and the shared data sets.</summary>
internal static class TestPaths
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string SharedData => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "data"));
    public static string BertVocab => Path.Combine(SharedData, "bert-base-uncased", "vocab.txt");
    public static string FixtureModel(string name) => Path.Combine(RepoRoot, "tests", "fixtures", "reference", "models", name);

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "SemanticSearch.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no SemanticSearch.sln above {AppContext.BaseDirectory}");
    }
}

/// <summary>A fresh directory deleted at the end of the test.</summary>
internal sealed class TempDirectory : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "semsearch-model-tests-" + Guid.NewGuid().ToString("N"));

    public TempDirectory() => Directory.CreateDirectory(Path);

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
