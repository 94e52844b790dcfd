using Lucene.Net.Index;
using LDirectory = Lucene.Net.Store.Directory;

namespace SemanticSearch.Index.Storage;

/// <summary>What is in an index directory: a Lucene index of this format, an index of the old SQLite format, or nothing.</summary>
public static class IndexFiles
{
    /// <summary>True when <paramref name="directory"/> holds a Lucene index (of any format version).</summary>
    public static bool IsIndex(string directory) =>
        System.IO.Directory.Exists(directory) && System.IO.Directory.EnumerateFiles(directory, "segments_*").Any();

    /// <summary>True when <paramref name="directory"/> holds an index written by the SQLite store and no Lucene index.</summary>
    public static bool IsLegacy(string directory) =>
        File.Exists(Path.Combine(directory, IndexStore.LegacyFileName)) && !IsIndex(directory);
}

/// <summary>An index of the SQLite format, which this build no longer reads: `semsearch migrate` converts it.</summary>
public sealed class LegacyIndexException(string message) : InvalidOperationException(message);

internal static class IndexLocation
{
    public static bool IsLegacy(string directory) => IndexFiles.IsLegacy(directory);

    public static LegacyIndexException LegacyError(string directory) =>
        new($"index '{directory}' was written by the SQLite store of an earlier version ({IndexStore.LegacyFileName}); " +
            $"convert it with: semsearch migrate --index {directory}");

    /// <summary>A missing directory, a legacy index and a directory holding no index each get their own message.</summary>
    public static void EnsureIsIndex(string directory)
    {
        if (!System.IO.Directory.Exists(directory)) throw new DirectoryNotFoundException($"index directory '{directory}' does not exist");
        if (IsLegacy(directory)) throw LegacyError(directory);
        if (!IndexFiles.IsIndex(directory)) throw new FileNotFoundException($"'{directory}' is not an index (no Lucene segments file)");
    }

    /// <summary>The user data of the last commit; refuses another format.</summary>
    public static Dictionary<string, string> ReadCommitData(LDirectory dir, string directory)
    {
        var infos = new SegmentInfos();
        try { infos.Read(dir); }
        catch (Exception e) when (e is IOException or ArgumentException or IndexFormatTooOldException or IndexFormatTooNewException)
        {
            throw IndexCorruption.Describe(dir, directory, e);
        }
        var data = new Dictionary<string, string>(infos.UserData);
        string format = data.GetValueOrDefault(CommitKeys.Format) ?? "(none)";
        if (format != CommitKeys.FormatVersion)
            throw new InvalidDataException($"index '{directory}' has format '{format}', this build reads '{CommitKeys.FormatVersion}'");
        return data;
    }
}

/// <summary>A damaged index: the message carries CheckIndex's finding. Nothing is repaired or overwritten.</summary>
public sealed class CorruptIndexDirectoryException(string message, Exception inner) : IOException(message, inner);

internal static class IndexCorruption
{
    public static CorruptIndexDirectoryException Describe(LDirectory dir, string directory, Exception e)
    {
        string finding;
        try
        {
            var checker = new CheckIndex(dir);
            var status = checker.DoCheckIndex();
            finding = status.Clean ? "CheckIndex finds no damage" :
                status.MissingSegments ? "CheckIndex: the segments file is missing or unreadable" :
                $"CheckIndex: {status.NumBadSegments} of {status.NumSegments} segments are damaged" +
                (status.SegmentInfos.FirstOrDefault(s => !s.OpenReaderPassed) is { } bad ? $" (first: {bad.Name})" : "");
        }
        catch (Exception check) { finding = $"CheckIndex could not read it either ({check.GetType().Name}: {check.Message})"; }
        return new CorruptIndexDirectoryException(
            $"index '{directory}' cannot be read: {e.GetType().Name}: {e.Message}. {finding}. Nothing was changed; restore it from a copy or rebuild it", e);
    }
}
