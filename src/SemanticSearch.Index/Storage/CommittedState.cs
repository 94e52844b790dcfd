using Lucene.Net.Store;

namespace SemanticSearch.Index.Storage;

/// <summary>The commit user data of an index as last committed, read without taking its write lock.</summary>
internal static class CommittedState
{
    public static Dictionary<string, string> Read(string directory)
    {
        IndexLocation.EnsureIsIndex(directory);
        using var dir = FSDirectory.Open(new DirectoryInfo(Path.GetFullPath(directory)), NoLockFactory.GetNoLockFactory());
        return IndexLocation.ReadCommitData(dir, directory);
    }
}
