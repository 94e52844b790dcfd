using Google.Protobuf;
using SemanticSearch.Checkpoints.Onnx.Proto;

namespace SemanticSearch.Checkpoints.Onnx;

/// <summary>
/// Parses an <c>.onnx</c> file into the generated <see cref="ModelProto"/> (the subset in onnx_subset.proto).
/// Every way the bytes can be unusable (truncated, not protobuf, no graph) becomes a
/// <see cref="CheckpointFormatException"/> naming the file.
/// </summary>
internal static class OnnxModelFile
{
    /// <summary>Protobuf messages are limited to 2 GiB; larger models keep their weights in external data files.</summary>
    public const long MaxFileBytes = int.MaxValue;

    public static ModelProto Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var info = new FileInfo(path);
        if (!info.Exists) throw new FileNotFoundException($"ONNX model not found: {path}", path);
        if (info.Length == 0) throw new CheckpointFormatException(path, null, "file is empty, not an ONNX model");
        if (info.Length > MaxFileBytes)
            throw new CheckpointFormatException(path, null, $"file is {info.Length} bytes; an ONNX protobuf is at most {MaxFileBytes} (larger models keep weights in external data files)");

        ModelProto model;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
            model = ModelProto.Parser.ParseFrom(stream);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new CheckpointFormatException(path, null, $"not a valid ONNX model: the protobuf is truncated or malformed ({e.Message})", e);
        }

        if (model.Graph is null)
            throw new CheckpointFormatException(path, null, "not an ONNX model: ModelProto has no graph (wrong file type?)");
        if (model.IrVersion < 3)
            throw new CheckpointFormatException(path, null, $"ONNX IR version {model.IrVersion} is not supported (expected 3 or later; is this an ONNX file?)");
        return model;
    }
}
