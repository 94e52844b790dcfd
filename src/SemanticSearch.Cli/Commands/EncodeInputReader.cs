using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace SemanticSearch.Cli.Commands;

/// <summary>One text to embed and the id it is reported under.</summary>
internal readonly record struct EncodeInputRecord(string Id, string Text);

/// <summary>
/// Reads `semsearch encode` input a chunk at a time, so any input size runs in bounded memory.
/// <c>.txt</c>: one text per line, id = 1-based line number. Anything else: JSON Lines with
/// <c>{"id": "...", "text": "..."}</c> (or <c>"_id"</c>, as `index` reads; id may be a number; absent → line number; blank lines skipped).
/// Bad input fails with <see cref="InvalidDataException"/> "file:line: problem".
/// </summary>
internal sealed class EncodeInputReader : IDisposable
{
    private readonly Stream _stream;
    private readonly string _path;
    private readonly bool _plainText;
    private byte[] _buffer = new byte[1 << 16];
    private int _start, _end;
    private bool _eof;
    private long _lineNumber;

    public EncodeInputReader(string path)
    {
        _path = path;
        _plainText = string.Equals(Path.GetExtension(path), ".txt", StringComparison.OrdinalIgnoreCase);
        _stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
    }

    public bool IsPlainText => _plainText;

    /// <summary>Line count of a file (a last line without newline counts), for the progress ETA.</summary>
    public static long CountLines(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        var buffer = new byte[1 << 16];
        long lines = 0;
        int read;
        byte last = (byte)'\n';
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            lines += buffer.AsSpan(0, read).Count((byte)'\n');
            last = buffer[read - 1];
        }
        return last == (byte)'\n' ? lines : lines + 1;
    }

    /// <summary>Appends up to <paramref name="max"/> records to <paramref name="chunk"/>; false when the input is exhausted and nothing was added.</summary>
    public bool ReadChunk(List<EncodeInputRecord> chunk, int max)
    {
        int before = chunk.Count;
        while (chunk.Count - before < max && TryReadLine(out var line))
        {
            if (_lineNumber == 1 && line.StartsWith("\uFEFF"u8)) line = line[3..];
            if (!Utf8.IsValid(line)) throw Error("invalid UTF-8");
            if (_plainText)
            {
                chunk.Add(new EncodeInputRecord(_lineNumber.ToString(), Encoding.UTF8.GetString(line)));
                continue;
            }
            if (line.TrimStart(" \t"u8).IsEmpty) continue;
            chunk.Add(ParseJsonLine(line));
        }
        return chunk.Count > before;
    }

    private EncodeInputRecord ParseJsonLine(ReadOnlySpan<byte> line)
    {
        string? id = null, text = null;
        try
        {
            var reader = new Utf8JsonReader(line, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) throw Error("expected a JSON object {\"id\": ..., \"text\": ...}");
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string name = reader.GetString()!;
                reader.Read();
                if (name == "text")
                {
                    if (reader.TokenType != JsonTokenType.String) throw Error($"\"text\" must be a string, got {reader.TokenType}");
                    text = reader.GetString();
                }
                else if (name is "id" or "_id") // one rule with `index`: either name, never both
                {
                    if (id is not null) throw Error("both \"_id\" and \"id\" are given; use one");
                    id = reader.TokenType switch
                    {
                        JsonTokenType.String => reader.GetString(),
                        JsonTokenType.Number => Encoding.UTF8.GetString(reader.ValueSpan),
                        _ => throw Error($"\"id\" must be a string or a number, got {reader.TokenType}"),
                    };
                }
                else
                {
                    reader.Skip();
                }
            }
            // One more read makes the reader reject anything after the object (e.g. two objects on one line).
            reader.Read();
        }
        catch (JsonException e)
        {
            throw Error($"invalid JSON: {e.Message}");
        }
        if (text is null) throw Error("missing \"text\"");
        return new EncodeInputRecord(id ?? _lineNumber.ToString(), text);
    }

    private InvalidDataException Error(string problem) => new($"{_path}:{_lineNumber}: {problem}");

    /// <summary>The next line without its terminator (\n or \r\n); lines may be longer than the buffer.</summary>
    private bool TryReadLine(out ReadOnlySpan<byte> line)
    {
        int searched = 0;
        while (true)
        {
            int newline = _buffer.AsSpan(_start + searched, _end - _start - searched).IndexOf((byte)'\n');
            if (newline >= 0)
            {
                int lineEnd = _start + searched + newline;
                line = TrimCarriageReturn(_buffer.AsSpan(_start, lineEnd - _start));
                _start = lineEnd + 1;
                _lineNumber++;
                return true;
            }
            searched = _end - _start;
            if (_eof)
            {
                if (_start == _end) { line = default; return false; }
                line = TrimCarriageReturn(_buffer.AsSpan(_start, _end - _start));
                _start = _end;
                _lineNumber++;
                return true;
            }
            Fill();
        }
    }

    private static ReadOnlySpan<byte> TrimCarriageReturn(ReadOnlySpan<byte> s) => s.Length > 0 && s[^1] == (byte)'\r' ? s[..^1] : s;

    private void Fill()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
        int read = _stream.Read(_buffer, _end, _buffer.Length - _end);
        if (read == 0) _eof = true;
        _end += read;
    }

    public void Dispose() => _stream.Dispose();
}
