using System.Text;

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
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var line = new MemoryStream();
        int number = 0;
        int b;
        bool first = true;
        while (true)
        {
            b = stream.ReadByte();
            if (b == -1 || b == '\n')
            {
                if (b == -1 && line.Length == 0) yield break;
                number++;
                yield return (number, Decode(line, ref first));
                line.SetLength(0);
                if (b == -1) yield break;
                continue;
            }
            line.WriteByte((byte)b);
        }
    }

    private static string? Decode(MemoryStream line, ref bool first)
    {
        var bytes = line.GetBuffer().AsSpan(0, (int)line.Length);
        if (bytes.Length > 0 && bytes[^1] == '\r') bytes = bytes[..^1];
        if (first && bytes.StartsWith(new byte[] { 0xEF, 0xBB, 0xBF })) bytes = bytes[3..]; // byte-order mark
        first = false;
        try { return Strict.GetString(bytes); }
        catch (DecoderFallbackException) { return null; }
    }

    public const string InvalidUtf8Message = "invalid UTF-8 byte sequence (inputs must be UTF-8)";
}
