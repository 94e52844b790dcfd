using System.Diagnostics;

namespace SemanticSearch.Training.Classification;

/// <summary>
/// A run writes its result into <c>OUTPUT.partial-PID</c> and renames it into place at the end, so a killed run
/// leaves that folder behind (a full model copy each time). The next run into the same output removes the ones
/// whose process is gone, but only while OUTPUT itself exists: if a run died between moving the old OUTPUT aside
/// and moving its finished staging folder in, that staging folder may be the only complete model left.
/// </summary>
public static class StaleRunFolders
{
    /// <summary>Deletes <c>OUTPUT.partial-PID</c> folders of processes that no longer run; returns the folders removed.</summary>
    public static IReadOnlyList<string> RemoveLeftovers(string output)
    {
        string full = Path.GetFullPath(output).TrimEnd(Path.DirectorySeparatorChar);
        string? parent = Path.GetDirectoryName(full);
        var removed = new List<string>();
        if (parent is null || !Directory.Exists(full) || !Directory.Exists(parent)) return removed;
        string prefix = Path.GetFileName(full) + ".partial-";
        foreach (var dir in Directory.EnumerateDirectories(parent, prefix + "*"))
        {
            if (!int.TryParse(Path.GetFileName(dir).AsSpan(prefix.Length), out int pid)) continue;
            if (pid == Environment.ProcessId || IsRunning(pid)) continue;
            Directory.Delete(dir, recursive: true);
            removed.Add(dir);
        }
        return removed;
    }

    // A reused PID makes a dead run's folder look alive: it is then kept, never a live run's folder deleted.
    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException) { return false; }
        catch (InvalidOperationException) { return false; }
    }
}
