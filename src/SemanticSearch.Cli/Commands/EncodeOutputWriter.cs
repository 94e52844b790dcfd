using System.Buffers;
using System.Text;
using System.Text.Json;

namespace SemanticSearch.Cli.Commands;

/// <summary>
/// Writes `semsearch encode` results as JSON Lines <c>{"id": "...", "embedding": [...]}</c>. Floats go
/// through Utf8JsonWriter, which prints the shortest text that parses back to the same float32.
/// A file is written to a temporary name and renamed into place by <see cref="Commit"/>, so a failed run
/// never leaves a half-written output; "-" writes to the command's stdout instead.
/// </summary>
internal sealed class EncodeOutputWriter : IDisposable
{
    private readonly ArrayBufferWriter<byte> _buffer = new(1 << 16);
    private readonly Utf8JsonWriter _json;
    private readonly TextWriter? _stdout;
    private readonly FileStream? _file;
    private readonly string? _finalPath, _tempPath;
    private bool _committed;

    public EncodeOutputWriter(string output, TextWriter stdout)
    {
        _json = new Utf8JsonWriter(_buffer, new JsonWriterOptions { SkipValidation = false });
        if (output == "-")
        {
            _stdout = stdout;
            return;
        }
        _finalPath = Path.GetFullPath(output);
        string directory = Path.GetDirectoryName(_finalPath)!;
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"output folder does not exist: {directory}");
        _tempPath = Path.Combine(directory, $".{Path.GetFileName(_finalPath)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        _file = new FileStream(_tempPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
    }

    /// <summary>Formats records into the buffer; <see cref="Flush"/> sends them on.</summary>
    public void Write(string id, ReadOnlySpan<float> embedding)
    {
        _json.Reset();
        _json.WriteStartObject();
        _json.WriteString("id"u8, id);
        _json.WriteStartArray("embedding"u8);
        foreach (float v in embedding) _json.WriteNumberValue(v);
        _json.WriteEndArray();
        _json.WriteEndObject();
        _json.Flush();
        _buffer.Write("\n"u8);
    }

    public void Flush()
    {
        if (_file is not null) _file.Write(_buffer.WrittenSpan);
        else
        {
            _stdout!.Write(Encoding.UTF8.GetString(_buffer.WrittenSpan));
            _stdout.Flush();
        }
        _buffer.ResetWrittenCount();
    }

    /// <summary>Flushes and moves the finished file into place (replacing an older one).</summary>
    public void Commit()
    {
        Flush();
        if (_file is not null)
        {
            _file.Flush(flushToDisk: true);
            _file.Dispose();
            File.Move(_tempPath!, _finalPath!, overwrite: true);
        }
        _committed = true;
    }

    public void Dispose()
    {
        _json.Dispose();
        if (_file is null || _committed) return;
        _file.Dispose();
        try { File.Delete(_tempPath!); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
