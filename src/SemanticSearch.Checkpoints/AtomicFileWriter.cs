namespace SemanticSearch.Checkpoints;

/// <summary>
/// Writes a file so that readers only ever see the old complete file or the new complete file:
/// content goes to a temporary file in the same directory (same file system, so the final rename
/// is atomic), is flushed to disk, and only then replaces the target. If anything fails the
/// temporary file is deleted and the target is left untouched.
/// </summary>
internal static class AtomicFileWriter
{
    private const int BufferSize = 1 << 20;

    public static void Write(string path, Action<FileStream> writeContent)
    {
        string fullPath = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(fullPath)
            ?? throw new ArgumentException($"{path}: has no parent directory", nameof(path));
        if (!Directory.Exists(directory))
        {
            // Reported here, naming the target, rather than as a failure to create the temporary file.
            throw new DirectoryNotFoundException($"cannot write {path}: directory {directory} does not exist");
        }

        // Leading dot and random suffix: hidden from casual listings and never colliding with a
        // concurrent writer of the same target.
        string temporaryPath = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporaryPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize))
            {
                writeContent(stream);
                // Without fsync a crash after the rename could leave the new name pointing at
                // blocks that never reached the disk.
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporaryPath, fullPath, overwrite: true);
        }
        catch
        {
            TryDelete(temporaryPath);
            throw;
        }
    }

    private static void TryDelete(string temporaryPath)
    {
        try
        {
            File.Delete(temporaryPath);
        }
        catch (IOException)
        {
            // The original error matters more than a leftover temporary file.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
