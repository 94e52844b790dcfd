namespace SemanticSearch.Cli;

/// <summary>
/// Where `--index` points. A bare name (no directory separator) names an index under the default
/// root `index/` of the current directory, e.g. `--index banking` is `index/banking/`; anything that
/// looks like a path (`./banking`, `/data/idx`, `a/b`) is used as given.
/// </summary>
public static class IndexLocation
{
    public const string DefaultRoot = "index";

    public static string Resolve(string value)
    {
        if (string.IsNullOrWhiteSpace(value)) throw new CommandLineException("--index must not be empty");
        bool looksLikePath = value.Contains('/') || value.Contains(Path.DirectorySeparatorChar) || value is "." or ".." || Path.IsPathRooted(value);
        return looksLikePath ? value : Path.Combine(DefaultRoot, value);
    }
}
