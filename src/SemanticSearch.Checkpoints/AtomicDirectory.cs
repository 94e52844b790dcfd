namespace SemanticSearch.Checkpoints;

/// <summary>
/// Replaces a directory so that at every instant a complete version exists on disk: the new content is written to
/// "NAME.tmp" and flushed, the current "NAME" is renamed to "NAME.old", "NAME.tmp" to "NAME", and "NAME.old" is
/// deleted. A crash or a full disk at any point leaves either NAME or NAME.old complete; <see cref="Recover"/> (called
/// before every read and write) turns a left-over NAME.old back into NAME and throws away a half-written NAME.tmp.
/// </summary>
public static class AtomicDirectory
{
    public static void Replace(string directory, Action<string> writeContent)
    {
        Recover(directory);
        string temp = directory + ".tmp", old = directory + ".old";
        Directory.CreateDirectory(temp);
        try
        {
            writeContent(temp);
        }
        catch
        {
            TryDelete(temp); // e.g. disk full: free what we used; the previous version is untouched
            throw;
        }
        if (Directory.Exists(directory)) Directory.Move(directory, old);
        Directory.Move(temp, directory);
        TryDelete(old);
    }

    /// <summary>Restores the last complete version after an interrupted <see cref="Replace"/>.</summary>
    public static void Recover(string directory)
    {
        string temp = directory + ".tmp", old = directory + ".old";
        if (!Directory.Exists(directory) && Directory.Exists(old)) Directory.Move(old, directory);
        if (Directory.Exists(old)) Directory.Delete(old, recursive: true);
        if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
    }

    /// <summary>True when a complete version exists (possibly as NAME.old before <see cref="Recover"/>).</summary>
    public static bool Exists(string directory) => Directory.Exists(directory) || Directory.Exists(directory + ".old");

    private static void TryDelete(string directory)
    {
        try { if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true); }
        catch (IOException) { } // best effort: Recover deletes it next time
    }
}
