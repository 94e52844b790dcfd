namespace SemanticSearch.Checkpoints;

/// <summary>
/// A weight file is malformed or unsupported. The message always names the file and, when the
/// problem belongs to one tensor, that tensor too, so a user can tell which download is broken.
/// </summary>
public sealed class CheckpointFormatException : Exception
{
    public string FilePath { get; }
    public string? TensorName { get; }

    public CheckpointFormatException(string filePath, string? tensorName, string problem, Exception? inner = null)
        : base(Describe(filePath, tensorName, problem), inner)
    {
        FilePath = filePath;
        TensorName = tensorName;
    }

    private static string Describe(string filePath, string? tensorName, string problem) =>
        tensorName is null
            ? $"{filePath}: {problem}"
            : $"{filePath}: tensor '{tensorName}': {problem}";
}
