using System.Text.Json;

namespace SemanticSearch.Training.Data;

/// <summary>Typed access to one JSONL object's fields with errors that name file, line and field.</summary>
internal readonly struct JsonFields
{
    private readonly JsonElement _obj;
    private readonly string _file;
    private readonly int _line;

    public JsonFields(JsonElement obj, string file, int line, IReadOnlyList<string> allowed)
    {
        _obj = obj;
        _file = file;
        _line = line;
        foreach (var property in obj.EnumerateObject())
            if (!allowed.Contains(property.Name))
                throw new TrainingDataException(file, line,
                    $"unknown field \"{property.Name}\" (expected {string.Join(", ", allowed.Select(a => $"\"{a}\""))})");
    }

    public string Text(string field) =>
        _obj.TryGetProperty(field, out var value) ? CheckText(field, value) : throw Error($"missing field \"{field}\"");

    public string? OptionalText(string field) =>
        _obj.TryGetProperty(field, out var value) && value.ValueKind != JsonValueKind.Null ? CheckText(field, value) : null;

    public double Number(string field)
    {
        if (!_obj.TryGetProperty(field, out var value)) throw Error($"missing field \"{field}\"");
        if (value.ValueKind != JsonValueKind.Number)
            throw Error($"field \"{field}\" must be a number, got {Describe(value)}");
        return value.GetDouble();
    }

    private string CheckText(string field, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.String)
            throw Error($"field \"{field}\" must be a string, got {Describe(value)}");
        string text = value.GetString()!;
        if (string.IsNullOrWhiteSpace(text)) throw Error($"field \"{field}\" is empty");
        return text;
    }

    private static string Describe(JsonElement value) => $"{value.ValueKind.ToString().ToLowerInvariant()} {value.GetRawText()}";

    private TrainingDataException Error(string problem) => new(_file, _line, problem);
}
