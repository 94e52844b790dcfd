using System.Text;
using System.Text.Unicode;

namespace SemanticSearch.Index.Ingest;

/// <summary>
/// Reads a file line by line, decoding each line as strict UTF-8 on its own. Decoding per line (not
/// per buffer, as StreamReader does) is what lets an invalid byte be reported with its exact line;
/// it also means one bad line does not make the rest of the file unreadable.
/// </summary>
public static class Utf8LineReader
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Line number (1-based), and either the text (without the line break) or null if the bytes are not UTF-8.</summary>
    public static IEnumerable<(int Line, string? Text)> ReadLines(string path)
    {
        foreach (var (number, bytes, valid) in ReadLineBytes(path))
            yield return (number, valid ? Strict.GetString(bytes.Span) : null);
    }

    /// <summary>
    /// Line number (1-based), the line's bytes (without the line break, a trailing CR, or the first
    /// line's byte-order mark) and whether they are valid UTF-8. The bytes live in a buffer that the
    /// next line overwrites: use them before moving on. Lines are found in 64 KiB blocks by a
    /// vectorized search, not byte by byte.
    /// </summary>
    internal static IEnumerable<(int Line, ReadOnlyMemory<byte> Bytes, bool ValidUtf8)> ReadLineBytes(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        var buffer = new byte[1 << 16];
        int start = 0, end = 0, number = 0;
        bool eof = false;
        while (true)
        {
            int newline = buffer.AsSpan(start, end - start).IndexOf((byte)'\n');
            if (newline < 0 && !eof)
            {
                // No complete line left in the buffer: move the partial line to the front, grow the
                // buffer if the line fills it, and read more.
                if (start > 0) { buffer.AsSpan(start, end - start).CopyTo(buffer); end -= start; start = 0; }
                if (end == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2);
                int n = stream.Read(buffer, end, buffer.Length - end);
                if (n == 0) eof = true;
                end += n;
                continue;
            }
            int length = newline < 0 ? end - start : newline;
            if (newline < 0 && length == 0) yield break; // end of input right after a line break (or an empty file)
            number++;
            var line = buffer.AsMemory(start, length);
            if (line.Span.EndsWith((byte)'\r')) line = line[..^1];
            if (number == 1 && line.Span.StartsWith("\uFEFF"u8)) line = line[3..]; // byte-order mark
            yield return (number, line, Utf8.IsValid(line.Span));
            if (newline < 0) yield break;
            start += newline + 1;
        }
    }

    public const string InvalidUtf8Message = "invalid UTF-8 byte sequence (inputs must be UTF-8)";
}
