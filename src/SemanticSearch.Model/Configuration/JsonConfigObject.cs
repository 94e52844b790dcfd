using System.Text.Json;
using System.Text.Json.Nodes;

namespace SemanticSearch.Model.Configuration;

/// <summary>
/// One JSON object read from a configuration file, with typed field accessors whose errors name the
/// file and the field. Keeps the parsing rules (what counts as an integer, a missing field, a null) in
/// one place so every config file reports problems the same way.
/// </summary>
internal sealed class JsonConfigObject
{
    private readonly JsonObject _object;
    private readonly string _fieldPrefix;

    public string FilePath { get; }

    private JsonConfigObject(string filePath, JsonObject obj, string fieldPrefix = "")
    {
        FilePath = filePath;
        _object = obj;
        _fieldPrefix = fieldPrefix;
    }

    /// <summary>Reads and parses <paramref name="filePath"/>, which must hold a JSON object.</summary>
    public static JsonConfigObject Load(string filePath)
    {
        if (!File.Exists(filePath)) throw new ModelConfigException(filePath, null, "file not found");
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(File.ReadAllBytes(filePath), documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            throw new ModelConfigException(filePath, null, $"invalid JSON (line {e.LineNumber + 1}): {e.Message}", e);
        }
        return node is JsonObject obj ? new JsonConfigObject(filePath, obj) : throw new ModelConfigException(filePath, null, "expected a JSON object at the top level");
    }

    /// <summary>Wraps an object nested in a file already loaded (e.g. entry "[2]" of modules.json); errors name fields as "[2].type".</summary>
    public static JsonConfigObject Wrap(string filePath, JsonObject obj, string location) => new(filePath, obj, location + ".");

    public bool Has(string field) => _object.TryGetPropertyValue(field, out var v) && v is not null;

    public int GetInt(string field, int? defaultValue = null, int min = int.MinValue)
    {
        var node = Get(field, defaultValue is null);
        if (node is null) return defaultValue!.Value;
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out int i))
        {
            if (i < min) throw Error(field, $"must be at least {min}, got {i}");
            return i;
        }
        // Some exporters write integral values as 512.0; accept those, reject 512.5.
        if (node is JsonValue d && d.GetValueKind() == JsonValueKind.Number && d.TryGetValue(out double x) && x == Math.Floor(x) && x >= int.MinValue && x <= int.MaxValue)
        {
            if (x < min) throw Error(field, $"must be at least {min}, got {x}");
            return (int)x;
        }
        throw Error(field, $"expected an integer, got {node.ToJsonString()}");
    }

    public double GetDouble(string field, double? defaultValue = null)
    {
        var node = Get(field, defaultValue is null);
        if (node is null) return defaultValue!.Value;
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue(out double d) && double.IsFinite(d)) return d;
        throw Error(field, $"expected a number, got {node.ToJsonString()}");
    }

    public bool GetBool(string field, bool? defaultValue = null)
    {
        var node = Get(field, defaultValue is null);
        if (node is null) return defaultValue!.Value;
        if (node is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False) return v.GetValue<bool>();
        throw Error(field, $"expected true or false, got {node.ToJsonString()}");
    }

    public string GetString(string field, string? defaultValue = null)
    {
        var node = Get(field, defaultValue is null);
        if (node is null) return defaultValue!;
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.String) return v.GetValue<string>();
        throw Error(field, $"expected a string, got {node.ToJsonString()}");
    }

    /// <summary>An optional integer field that may also be explicitly null.</summary>
    public int? GetOptionalInt(string field, int min = int.MinValue) => Has(field) ? GetInt(field, min: min) : null;

    /// <summary>An optional string field that may also be explicitly null.</summary>
    public string? GetOptionalString(string field) => Has(field) ? GetString(field) : null;

    /// <summary>An optional object of string values ({"name": "text", ...}); empty when the field is missing or null.</summary>
    public IReadOnlyList<(string Name, string Value)> GetStringMap(string field)
    {
        var node = Get(field, required: false);
        if (node is null) return [];
        if (node is not JsonObject map) throw Error(field, $"expected an object of strings, got {node.ToJsonString()}");
        var entries = new List<(string, string)>();
        foreach (var (name, value) in map)
        {
            if (value is not JsonValue v || v.GetValueKind() != JsonValueKind.String)
                throw Error($"{field}.{name}", $"expected a string, got {value?.ToJsonString() ?? "null"}");
            entries.Add((name, v.GetValue<string>()));
        }
        return entries;
    }

    public ModelConfigException Error(string field, string problem) => new(FilePath, _fieldPrefix + field, problem);

    private JsonNode? Get(string field, bool required)
    {
        if (_object.TryGetPropertyValue(field, out var node) && node is not null) return node;
        if (required) throw Error(field, "required field is missing");
        return null;
    }
}
