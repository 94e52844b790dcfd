namespace SemanticSearch.Cli.Commands;

/// <summary>The output-folder rules shared by `model init`, `train` and `pretrain`.</summary>
internal static class OutputFolder
{
    /// <summary>
    /// An existing non-empty folder is refused unless --overwrite (then deleted) or --resume (then kept: it holds the
    /// checkpoint). A folder that contains one of <paramref name="protectedInputs"/> (e.g. the --model folder) is never
    /// deleted: overwriting it would destroy the run's own input.
    /// </summary>
    public static void Prepare(string output, bool overwrite, bool resume, params string[] protectedInputs)
    {
        string full = Path.GetFullPath(output);
        foreach (var input in protectedInputs)
        {
            string inputFull = Path.GetFullPath(input);
            if (IsSameOrInside(inputFull, full))
                throw new CommandLineException($"--output {output} contains the input {input}; choose another output folder");
        }
        if (File.Exists(full)) throw new CommandLineException($"--output {output} is a file, expected a folder");
        bool exists = Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any();
        if (resume)
        {
            if (!exists) throw new CommandLineException($"--resume: {output} does not exist or is empty; nothing to resume");
            return;
        }
        if (exists)
        {
            if (!overwrite) throw new CommandLineException($"output folder {output} already exists and is not empty; pass --overwrite to replace it (or --resume to continue a run)");
            Directory.Delete(full, recursive: true);
        }
        string? parent = Path.GetDirectoryName(full);
        if (parent is not null && !Directory.Exists(parent)) throw new DirectoryNotFoundException($"parent folder of --output does not exist: {parent}");
        Directory.CreateDirectory(full);
    }

    private static bool IsSameOrInside(string path, string folder) =>
        path.TrimEnd(Path.DirectorySeparatorChar) == folder.TrimEnd(Path.DirectorySeparatorChar)
        || path.StartsWith(folder.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal);
}
