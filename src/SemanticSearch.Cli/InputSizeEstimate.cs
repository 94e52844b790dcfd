namespace SemanticSearch.Cli;

/// <summary>
/// A cheap estimate of how many records an input holds, for the progress ETA: lines of a JSONL file,
/// lines minus the header of a CSV (a multi-line quoted field makes this an over-estimate), files in a folder.
/// </summary>
public static class InputSizeEstimate
{
    public static long? Records(string path)
    {
        if (Directory.Exists(path)) return Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories).LongCount();
        if (!File.Exists(path)) return null;
        long lines = 0;
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var buffer = new byte[1 << 16];
        int n;
        bool endsWithNewline = true;
        while ((n = fs.Read(buffer)) > 0)
        {
            lines += buffer.AsSpan(0, n).Count((byte)'\n');
            endsWithNewline = buffer[n - 1] == '\n';
        }
        if (!endsWithNewline) lines++;
        return Path.GetExtension(path).Equals(".csv", StringComparison.OrdinalIgnoreCase) ? Math.Max(0, lines - 1) : lines;
    }
}
