using System.Text;

namespace SemanticSearch.Tokenization;

/// <summary>
/// Reads and writes BERT's vocab.txt: UTF-8, one token per line, id = zero-based line number.
/// Accepts a BOM and CRLF line ends; a final newline does not add a token. Like Hugging Face's load_vocab,
/// an empty line in the middle is a token (""), so later ids stay aligned with the model's embedding rows.
/// </summary>
internal static class VocabFileReader
{
    public const string FileName = "vocab.txt";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static List<string> Read(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"Vocabulary file not found: {path}", path);
        byte[] bytes = File.ReadAllBytes(path);

        ReadOnlySpan<byte> content = bytes;
        if (content.StartsWith("\uFEFF"u8)) content = content[3..];

        var tokens = new List<string>(32_000);
        int lineNumber = 0;
        while (content.Length > 0)
        {
            lineNumber++;
            int newline = content.IndexOf((byte)'\n');
            var line = newline < 0 ? content : content[..newline];
            content = newline < 0 ? ReadOnlySpan<byte>.Empty : content[(newline + 1)..];
            if (line.Length > 0 && line[^1] == (byte)'\r') line = line[..^1];
            try
            {
                tokens.Add(StrictUtf8.GetString(line));
            }
            catch (DecoderFallbackException e)
            {
                throw new TokenizerFormatException(path, $"line {lineNumber}", "not valid UTF-8 text.", e);
            }
        }
        if (tokens.Count == 0)
            throw new TokenizerFormatException(path, null, "the vocabulary is empty; expected one token per line.");
        return tokens;
    }

    public static void Write(string path, IReadOnlyList<string> tokens)
    {
        for (int id = 0; id < tokens.Count; id++)
        {
            if (tokens[id].AsSpan().IndexOfAny('\n', '\r') >= 0)
                throw new InvalidOperationException($"Token {id} contains a line break and cannot be written to {FileName}.");
        }
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        writer.NewLine = "\n";
        foreach (var token in tokens) writer.WriteLine(token);
    }
}
