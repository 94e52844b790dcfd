namespace SemanticSearch.Cli;

/// <summary>
/// Where `--index` points. An existing directory wins (`--index shop` from a folder holding `./shop`
/// opens `./shop`); anything that looks like a path (`./banking`, `/data/idx`, `a/b`) is used as given;
/// a bare name that is neither names an index under the default root `index/` of the current
/// directory, e.g. `--index banking` is `index/banking/`.
/// </summary>
public static class IndexLocation
{
    public const string DefaultRoot = "index";

    public static string Resolve(string value)
    {
        if (string.IsNullOrWhiteSpace(value)) throw new CommandLineException("--index must not be empty");
        bool looksLikePath = value.Contains('/') || value.Contains(Path.DirectorySeparatorChar) || value is "." or ".." || Path.IsPathRooted(value);
        return looksLikePath || Directory.Exists(value) ? value : Path.Combine(DefaultRoot, value);
    }

    /// <summary><see cref="Resolve(string)"/>, telling <paramref name="stderr"/> which directory that is.</summary>
    public static string Resolve(string value, TextWriter stderr)
    {
        string path = Resolve(value);
        stderr.WriteLine($"index: {Path.GetFullPath(path)}");
        return path;
    }
}
