namespace SemanticSearch.Checkpoints;

/// <summary>
/// Finds and reads the weights of a Hugging Face / sentence-transformers model folder, preferring
/// safetensors (no pickle involved, and memory-friendly) as transformers itself does.
/// </summary>
public static class CheckpointFolder
{
    public const string SafeTensorsFileName = "model.safetensors";
    public const string PyTorchFileName = "pytorch_model.bin";

    /// <summary>Where an ONNX export sits in a model folder: at the top, or in Hugging Face Optimum's <c>onnx/</c>.</summary>
    public static readonly IReadOnlyList<string> OnnxFileNames = ["model.onnx", Path.Combine("onnx", "model.onnx")];

    /// <summary>The folder's ONNX export (<see cref="OnnxFileNames"/>, in that order), or null when it has none.</summary>
    public static string? FindOnnxFile(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        return OnnxFileNames.Select(name => Path.Combine(directory, name)).FirstOrDefault(File.Exists);
    }

    /// <summary>
    /// The weights file to load: <c>model.safetensors</c>, else <c>model.safetensors.index.json</c>
    /// (sharded), else <c>pytorch_model.bin</c>; null when the folder has none of them.
    /// </summary>
    public static string? FindWeightsFile(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        foreach (string name in new[] { SafeTensorsFileName, ShardedSafeTensors.IndexFileName, PyTorchFileName })
        {
            string candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Reads all tensors of the folder's weights file (see <see cref="FindWeightsFile"/>).</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">The folder has no known weights file; the message names the folder.</exception>
    public static IReadOnlyDictionary<string, NamedTensor> Read(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"model folder '{directory}' does not exist");
        }

        string path = FindWeightsFile(directory)
            ?? throw new FileNotFoundException(
                $"model folder '{directory}' has no weights: expected {SafeTensorsFileName}, {ShardedSafeTensors.IndexFileName} or {PyTorchFileName}");
        return Path.GetFileName(path) switch
        {
            SafeTensorsFileName => SafeTensorsFile.Read(path),
            ShardedSafeTensors.IndexFileName => ShardedSafeTensors.Read(path),
            _ => PyTorchCheckpointFile.Read(path),
        };
    }
}
