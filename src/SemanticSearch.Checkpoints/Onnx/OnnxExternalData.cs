using SemanticSearch.Checkpoints.Onnx.Proto;
using Microsoft.Win32.SafeHandles;

namespace SemanticSearch.Checkpoints.Onnx;

/// <summary>
/// Tensor bytes kept outside the .onnx protobuf (<c>data_location: EXTERNAL</c>, the way models over 2 GiB are
/// saved): <c>external_data</c> names a file by <c>location</c> relative to the model's folder, with optional
/// <c>offset</c> and <c>length</c>. A model file is untrusted input, so the location must stay inside the model's
/// folder (no absolute paths, no "..", no symbolic link leading out) and the byte range must lie inside the file
/// and match the tensor's size exactly.
/// </summary>
internal static class OnnxExternalData
{
    public static byte[] Read(string modelPath, string modelDirectory, TensorProto tensor, string name, long expectedBytes)
    {
        string? location = null;
        long offset = 0;
        long? length = null;
        foreach (var entry in tensor.ExternalData)
        {
            switch (entry.Key)
            {
                case "location": location = entry.Value; break;
                case "offset": offset = ParseNonNegative(modelPath, name, entry); break;
                case "length": length = ParseNonNegative(modelPath, name, entry); break;
                // "checksum" (optional SHA-1) and unknown keys are not needed to read the bytes.
            }
        }
        if (string.IsNullOrEmpty(location))
            throw new CheckpointFormatException(modelPath, name, "external data without a 'location'");

        string dataPath = ConfinedPath(modelPath, modelDirectory, name, location);
        if (!File.Exists(dataPath))
            throw new CheckpointFormatException(modelPath, name, $"external data file '{location}' not found (expected {dataPath} beside the model)");
        using SafeFileHandle file = File.OpenHandle(dataPath, FileMode.Open, FileAccess.Read, FileShare.Read);
        long fileLength = RandomAccess.GetLength(file);
        long count = length ?? fileLength - offset;
        if (offset > fileLength || count < 0 || offset + count > fileLength)
            throw new CheckpointFormatException(modelPath, name,
                $"external data range offset {offset}, length {count} lies outside '{location}' ({fileLength} bytes; truncated?)");
        if (count != expectedBytes)
            throw new CheckpointFormatException(modelPath, name, $"external data in '{location}' is {count} bytes, the tensor's shape and type need {expectedBytes}");

        var bytes = GC.AllocateUninitializedArray<byte>((int)count);
        try { SafeTensorsHeader.ReadExactly(file, bytes, offset); }
        catch (EndOfStreamException e) { throw new CheckpointFormatException(modelPath, name, $"external data file '{location}' ended early", e); }
        return bytes;
    }

    private static string ConfinedPath(string modelPath, string modelDirectory, string name, string location)
    {
        string normalized = location.Replace('\\', '/');
        if (Path.IsPathRooted(location) || normalized.StartsWith('/') || normalized.Split('/').Contains(".."))
            throw new CheckpointFormatException(modelPath, name, $"external data location '{location}' must be a relative path inside the model's folder");
        string root = Path.TrimEndingDirectorySeparator(modelDirectory) + Path.DirectorySeparatorChar;
        string full = Path.GetFullPath(Path.Combine(modelDirectory, normalized));
        // A symbolic link inside the folder may still point anywhere: judge where it finally leads.
        if (File.Exists(full) && new FileInfo(full).ResolveLinkTarget(returnFinalTarget: true) is { } target)
            full = Path.GetFullPath(target.FullName);
        string realRoot = Directory.ResolveLinkTarget(modelDirectory, returnFinalTarget: true) is { } dirTarget
            ? Path.TrimEndingDirectorySeparator(dirTarget.FullName) + Path.DirectorySeparatorChar
            : root;
        if (!full.StartsWith(root, StringComparison.Ordinal) && !full.StartsWith(realRoot, StringComparison.Ordinal))
            throw new CheckpointFormatException(modelPath, name, $"external data location '{location}' leads outside the model's folder ({full})");
        return full;
    }

    private static long ParseNonNegative(string modelPath, string name, StringStringEntryProto entry) =>
        long.TryParse(entry.Value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long value)
            ? value
            : throw new CheckpointFormatException(modelPath, name, $"external data '{entry.Key}' is '{entry.Value}', expected a non-negative integer");
}
