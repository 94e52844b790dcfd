namespace SemanticSearch.Tokenization.Tests;

/// <summary>Locates the shared data folder and builds the real bert-base-uncased tokenizer once for all tests.</summary>
internal static class TestData
{
    private static readonly Lazy<string> LazyRepoRoot = new(FindRepoRoot);
    private static readonly Lazy<WordPieceTokenizer> LazyBertUncased = new(() => WordPieceTokenizer.FromVocabFile(BertVocabPath));

    public static string RepoRoot => LazyRepoRoot.Value;

    public static string SharedData => Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared", "data"));

    public static string BertVocabPath => Path.Combine(SharedData, "bert-base-uncased", "vocab.txt");

    /// <summary>bert-base-uncased: lower-cases and strips accents.</summary>
    public static WordPieceTokenizer BertUncased => LazyBertUncased.Value;

    /// <summary>The word pieces of <paramref name="text"/> as strings, for readable assertions.</summary>
    public static string[] Pieces(this WordPieceTokenizer tokenizer, string text) =>
        tokenizer.Tokenize(text).Select(t => tokenizer.IdToToken(t.Id)).ToArray();

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SemanticSearch.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException($"No folder above {AppContext.BaseDirectory} contains SemanticSearch.sln.");
    }
}

/// <summary>A fresh directory under the system temp folder, deleted on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "tokenization-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public string Write(string name, string content)
    {
        var path = File(name);
        System.IO.File.WriteAllText(path, content);
        return path;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } // best effort: temp files only
    }
}
