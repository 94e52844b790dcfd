namespace SemanticSearch.Index.Tests;

/// <summary>Locates /work/shared/data (the shared read-only data sets) from the test's working directory.</summary>
internal static class TestData
{
    public static string SharedData { get; } = Find();

    public static string Vocab => Path.Combine(SharedData, "bert-base-uncased", "vocab.txt");

    private static string Find()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            string candidate = Path.Combine(d.FullName, "shared", "data");
            if (Directory.Exists(candidate)) return candidate;
        }
        const string fallback = "/work/shared/data";
        if (Directory.Exists(fallback)) return fallback;
        throw new DirectoryNotFoundException("shared data directory (../shared/data) not found");
    }
}
