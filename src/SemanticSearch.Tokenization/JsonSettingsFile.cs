using System.Text.Json;

namespace SemanticSearch.Tokenization;

/// <summary>
/// Typed reads from a Hugging Face JSON file; every failure becomes a <see cref="TokenizerFormatException"/>
/// naming the file and the field (or line, for syntax errors).
/// </summary>
internal sealed class JsonSettingsFile : IDisposable
{
    private static readonly JsonDocumentOptions ParseOptions = new()
    {
        AllowTrailingCommas = true,
        CommentHandling = JsonCommentHandling.Skip,
        MaxDepth = 64,
    };

    private readonly JsonDocument _document;

    private JsonSettingsFile(string path, JsonDocument document)
    {
        Path = path;
        _document = document;
    }

    public string Path { get; }

    public JsonElement Root => _document.RootElement;

    public static JsonSettingsFile Open(string path)
    {
        JsonDocument document;
        try
        {
            using var stream = File.OpenRead(path);
            document = JsonDocument.Parse(stream, ParseOptions);
        }
        catch (JsonException e)
        {
            string? where = e.LineNumber is { } line ? $"line {line + 1}" : null;
            throw new TokenizerFormatException(path, where, $"not valid JSON: {e.Message}", e);
        }
        var kind = document.RootElement.ValueKind;
        if (kind != JsonValueKind.Object)
        {
            document.Dispose();
            throw new TokenizerFormatException(path, null, $"expected a JSON object at the top level, found {kind}.");
        }
        return new JsonSettingsFile(path, document);
    }

    public TokenizerFormatException Error(string field, string problem) => new(Path, $"field '{field}'", problem);

    /// <summary>The property, or null when it is absent or JSON null.</summary>
    public static JsonElement? Find(JsonElement parent, string name) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value
            : null;

    public bool? GetBool(JsonElement parent, string name, string fieldPath)
    {
        if (Find(parent, name) is not { } value) return null;
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Error(fieldPath, $"expected true, false or null, found {value.ValueKind} {value.GetRawText()}."),
        };
    }

    public string? GetString(JsonElement parent, string name, string fieldPath)
    {
        if (Find(parent, name) is not { } value) return null;
        if (value.ValueKind != JsonValueKind.String)
            throw Error(fieldPath, $"expected a string, found {value.ValueKind} {value.GetRawText()}.");
        return value.GetString();
    }

    public int? GetInt(JsonElement parent, string name, string fieldPath)
    {
        if (Find(parent, name) is not { } value) return null;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out int result))
            throw Error(fieldPath, $"expected a 32-bit integer, found {value.ValueKind} {value.GetRawText()}.");
        return result;
    }

    /// <summary>
    /// A special token, written either as a plain string or as a serialized AddedToken object {"content": "[CLS]", ...}.
    /// </summary>
    public string? GetTokenString(JsonElement parent, string name, string fieldPath)
    {
        if (Find(parent, name) is not { } value) return null;
        string? token = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Object => GetString(value, "content", fieldPath + ".content")
                ?? throw Error(fieldPath + ".content", "a special token object needs a string 'content'."),
            _ => throw Error(fieldPath, $"expected a token string or an object with 'content', found {value.ValueKind}."),
        };
        if (string.IsNullOrEmpty(token)) throw Error(fieldPath, "a special token must not be empty.");
        return token;
    }

    public void Dispose() => _document.Dispose();
}
