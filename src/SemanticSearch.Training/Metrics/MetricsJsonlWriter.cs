using System.Text;
using System.Text.Json;

namespace SemanticSearch.Training.Metrics;

/// <summary>
/// Writes metrics.jsonl: one JSON object per record, {"step":N,"kind":"...",name:value,...}, flushed per line so a
/// crashed run keeps its history. Numbers use .NET's shortest round-trip form; NaN/Inf (not JSON) are written as
/// null, so a diverged run stays parseable. Output depends only on the records: deterministic.
/// </summary>
public sealed class MetricsJsonlWriter : IDisposable
{
    private readonly TextWriter _writer;

    public MetricsJsonlWriter(TextWriter writer) => _writer = writer;

    public static MetricsJsonlWriter Open(string path, bool append = false) =>
        new(new StreamWriter(path, append, new UTF8Encoding(false)) { NewLine = "\n" });

    public void Write(MetricsRecord record)
    {
        _writer.Write(Format(record));
        _writer.Write('\n');
        _writer.Flush();
    }

    public static string Format(MetricsRecord record)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("step", record.Step);
            json.WriteString("kind", record.Kind);
            foreach (var (name, value) in record.Values)
            {
                if (name is "step" or "kind") throw new ArgumentException($"metric name '{name}' is reserved");
                if (double.IsFinite(value)) json.WriteNumber(name, value);
                else json.WriteNull(name);
            }
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public void Dispose() => _writer.Dispose();
}

/// <summary>Reads metrics.jsonl back (for the chart); null values come back as NaN.</summary>
public static class MetricsJsonlReader
{
    public static IReadOnlyList<MetricsRecord> Read(string path)
    {
        var records = new List<MetricsRecord>();
        int line = 0;
        foreach (var text in File.ReadLines(path))
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            try
            {
                using var doc = JsonDocument.Parse(text);
                var root = doc.RootElement;
                long step = root.GetProperty("step").GetInt64();
                string kind = root.GetProperty("kind").GetString() ?? "";
                var values = new List<KeyValuePair<string, double>>();
                foreach (var p in root.EnumerateObject())
                {
                    if (p.Name is "step" or "kind") continue;
                    values.Add(new(p.Name, p.Value.ValueKind == JsonValueKind.Null ? double.NaN : p.Value.GetDouble()));
                }
                records.Add(new MetricsRecord(step, kind, values));
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                throw new InvalidDataException($"{path}:{line}: not a metrics record ({e.Message})", e);
            }
        }
        return records;
    }
}
