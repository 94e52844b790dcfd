namespace SemanticSearch.Index.Storage;

/// <summary>
/// Exclusive right to write an index, held as an OS file lock on `write.lock` (FileShare.None maps to
/// flock on Unix). The OS drops the lock when the process dies, so a kill -9 never leaves a stale lock.
/// </summary>
public sealed class WriterLock : IDisposable
{
    public const string FileName = "write.lock";
    private readonly FileStream _stream;

    private WriterLock(FileStream stream) => _stream = stream;

    public static WriterLock Acquire(string directory)
    {
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, FileName);
        try
        {
            var fs = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            fs.SetLength(0);
            var pid = System.Text.Encoding.ASCII.GetBytes(Environment.ProcessId.ToString());
            fs.Write(pid);
            fs.Flush();
            return new WriterLock(fs);
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new IndexLockedException($"index '{directory}' is locked by another writer ({path})", e);
        }
    }

    public void Dispose() => _stream.Dispose();
}

/// <summary>A second writer tried to open an index that already has one.</summary>
public sealed class IndexLockedException(string message, Exception inner) : InvalidOperationException(message, inner);
