using System.Runtime.CompilerServices;

namespace SemanticSearch.Training.Torch.Tests;

internal static class Fixtures
{
    public static string RepoRoot([CallerFilePath] string thisFile = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", ".."));

    public static string Training(string name) => Path.Combine(RepoRoot(), "tests", "fixtures", "training", name);
    public static string ReferenceModels => Path.Combine(RepoRoot(), "tests", "fixtures", "reference", "models");
    public static string SharedData => Path.GetFullPath(Path.Combine(RepoRoot(), "..", "shared", "data"));

    public static string TempDirectory()
    {
        string path = Path.Combine(Path.GetTempPath(), "semsearch-torch-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }
}
