namespace SemanticSearch.Bench;

/// <summary>`--name value` options of semsearch-bench; every suite reads only the ones it needs.</summary>
internal sealed class BenchOptions
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public BenchOptions(IEnumerable<string> args)
    {
        string? pending = null;
        foreach (string a in args)
        {
            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                if (pending is not null) _values[pending] = "true";
                pending = a[2..];
            }
            else if (pending is not null) { _values[pending] = a; pending = null; }
            else throw new ArgumentException($"unexpected argument '{a}'");
        }
        if (pending is not null) _values[pending] = "true";
    }

    public string Required(string name) =>
        _values.TryGetValue(name, out var v) ? v : throw new ArgumentException($"--{name} is required");

    public string? Optional(string name) => _values.GetValueOrDefault(name);

    public int Int(string name, int fallback) => _values.TryGetValue(name, out var v) ? int.Parse(v) : fallback;

    public double Double(string name, double fallback) =>
        _values.TryGetValue(name, out var v) ? double.Parse(v, System.Globalization.CultureInfo.InvariantCulture) : fallback;

    public int[] IntList(string name, int[] fallback) =>
        _values.TryGetValue(name, out var v) ? v.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray() : fallback;
}
