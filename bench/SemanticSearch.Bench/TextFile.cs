namespace SemanticSearch.Bench;

/// <summary>The benchmark's input: one text per line, as written by bench/python/banking77_texts.py.</summary>
internal static class TextFile
{
    public static string[] Read(string path, int limit)
    {
        var lines = File.ReadAllLines(path).Where(l => l.Length > 0);
        return (limit > 0 ? lines.Take(limit) : lines).ToArray();
    }
}
