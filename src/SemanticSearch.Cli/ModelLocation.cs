using SemanticSearch.Catalog;

namespace SemanticSearch.Cli;

/// <summary>
/// Where `--model` points. A path, or an existing folder, is used as given; a bare name (no directory separator) names
/// a pulled model under <c>index/models/</c>, e.g. `--model all-MiniLM-L6-v2` is <c>index/models/all-MiniLM-L6-v2/</c>.
/// A name that is not there yet gets an error that says how to pull it.
/// </summary>
public static class ModelLocation
{
    public static readonly string DefaultRoot = Path.Combine(IndexLocation.DefaultRoot, "models");

    /// <summary>The default folder of a pulled model: index/models/NAME.</summary>
    public static string DefaultFolder(string name) => Path.Combine(DefaultRoot, name);

    /// <exception cref="DirectoryNotFoundException">A bare name with no folder under index/models/.</exception>
    public static string Resolve(string value)
    {
        if (string.IsNullOrWhiteSpace(value)) throw new CommandLineException("--model must not be empty");
        bool looksLikePath = value.Contains('/') || value.Contains(Path.DirectorySeparatorChar) || value is "." or ".." || Path.IsPathRooted(value);
        if (looksLikePath || Directory.Exists(value)) return value;
        string pulled = DefaultFolder(value);
        if (Directory.Exists(pulled)) return pulled;
        throw new DirectoryNotFoundException(ModelCatalog.Find(value) is not null
            ? $"model '{value}' is not pulled yet ({pulled} does not exist); run: semsearch model pull {value}"
            : $"--model {value}: no such folder, and no pulled model {pulled} (models that can be pulled: {string.Join(", ", ModelCatalog.All.Select(m => m.Name))}; run: semsearch model pull NAME)");
    }
}
