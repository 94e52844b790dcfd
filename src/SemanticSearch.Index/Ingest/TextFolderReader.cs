using System.Text;

namespace SemanticSearch.Index.Ingest;

/// <summary>
/// Every file under a folder (recursively, hidden files skipped) is one document: id = path relative
/// to the folder with '/' separators, title = file name without extension, text = the whole file.
/// </summary>
public static class TextFolderReader
{
    private static readonly UTF8Encoding Strict = new(false, throwOnInvalidBytes: true);

    public static IEnumerable<CorpusEntry> Read(string folder)
    {
        var files = Directory.EnumerateFiles(folder, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.Hidden | FileAttributes.System })
            .Where(f => !Path.GetFileName(f).StartsWith('.'))
            .Order(StringComparer.Ordinal);
        foreach (var file in files)
        {
            string id = Path.GetRelativePath(folder, file).Replace(Path.DirectorySeparatorChar, '/');
            byte[] bytes = File.ReadAllBytes(file);
            string? text = TryDecode(bytes, out int badLine);
            if (text is null)
            {
                yield return CorpusEntry.Bad(file, badLine, Utf8LineReader.InvalidUtf8Message);
                continue;
            }
            if (text.Length > 0 && text[0] == '\uFEFF') text = text[1..];
            yield return CorpusEntry.Ok(file, 1, new SourceDocument(id, Path.GetFileNameWithoutExtension(file), text, Array.Empty<string>()));
        }
    }

    private static string? TryDecode(byte[] bytes, out int badLine)
    {
        badLine = 0;
        try { return Strict.GetString(bytes); }
        catch (DecoderFallbackException e) { badLine = LineOf(bytes, e.Index); return null; }
    }

    private static int LineOf(byte[] bytes, int index)
    {
        if (index < 0) return 1;
        int line = 1;
        for (int i = 0; i < Math.Min(index, bytes.Length); i++) if (bytes[i] == '\n') line++;
        return line;
    }
}
