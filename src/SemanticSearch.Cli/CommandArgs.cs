using System.Globalization;

namespace SemanticSearch.Cli;

/// <summary>A usage error: unknown option, missing value, value of the wrong type.</summary>
public sealed class CommandLineException(string message) : Exception(message);

/// <summary>
/// Parsed `--name value` / `--flag` options of one command. Every option must be read by the
/// command; <see cref="EnsureAllUsed"/> turns a misspelt option into an error instead of ignoring it.
/// </summary>
public sealed class CommandArgs
{
    private readonly Dictionary<string, List<string?>> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public IReadOnlyList<string> Positional { get; }

    private CommandArgs(List<string> positional) => Positional = positional;

    public static CommandArgs Parse(IReadOnlyList<string> args)
    {
        var positional = new List<string>();
        var parsed = new CommandArgs(positional);
        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            if (!a.StartsWith("--", StringComparison.Ordinal) || a.Length == 2) { positional.Add(a); continue; }
            string name = a[2..];
            string? value = null;
            int eq = name.IndexOf('=');
            if (eq >= 0) { value = name[(eq + 1)..]; name = name[..eq]; }
            else if (i + 1 < args.Count && !args[i + 1].StartsWith("--", StringComparison.Ordinal)) value = args[++i];
            if (!parsed._options.TryGetValue(name, out var list)) parsed._options[name] = list = new List<string?>();
            list.Add(value);
        }
        return parsed;
    }

    public bool Has(string name) { _used.Add(name); return _options.ContainsKey(name); }

    /// <summary>A boolean switch such as `--overwrite` (also accepts `--overwrite=true|false`).</summary>
    public bool Flag(string name)
    {
        _used.Add(name);
        if (!_options.TryGetValue(name, out var v)) return false;
        string? s = v[^1];
        if (s is null) return true;
        if (bool.TryParse(s, out bool b)) return b;
        throw new CommandLineException($"--{name} takes no value (or true/false), got '{s}'");
    }

    public string? String(string name)
    {
        _used.Add(name);
        if (!_options.TryGetValue(name, out var v)) return null;
        return v[^1] ?? throw new CommandLineException($"--{name} needs a value");
    }

    public string RequiredString(string name) => String(name) ?? throw new CommandLineException($"missing required option --{name}");

    /// <summary>All values of a repeatable option such as `--tag a --tag b`.</summary>
    public IReadOnlyList<string> Strings(string name)
    {
        _used.Add(name);
        if (!_options.TryGetValue(name, out var v)) return Array.Empty<string>();
        return v.Select(s => s ?? throw new CommandLineException($"--{name} needs a value")).ToArray();
    }

    public int Int(string name, int defaultValue, int min = int.MinValue, int max = int.MaxValue)
    {
        string? s = String(name);
        if (s is null) return defaultValue;
        if (!int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v))
            throw new CommandLineException($"--{name} must be an integer, got '{s}'");
        if (v < min || v > max) throw new CommandLineException($"--{name} must be between {min} and {max}, got {v}");
        return v;
    }

    public double Double(string name, double defaultValue, double min = double.NegativeInfinity, double max = double.PositiveInfinity)
    {
        string? s = String(name);
        if (s is null) return defaultValue;
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !double.IsFinite(v))
            throw new CommandLineException($"--{name} must be a number, got '{s}'");
        if (v < min || v > max) throw new CommandLineException($"--{name} must be between {min} and {max}, got {v}");
        return v;
    }

    /// <summary>One of a fixed set of words, e.g. `--mode keyword|vector|hybrid`.</summary>
    public string Choice(string name, string defaultValue, params string[] allowed)
    {
        string v = String(name) ?? defaultValue;
        if (!allowed.Contains(v, StringComparer.Ordinal))
            throw new CommandLineException($"--{name} must be one of {string.Join("|", allowed)}, got '{v}'");
        return v;
    }

    /// <summary>Call after reading every option: an option the command never asked for is a usage error.</summary>
    /// <param name="positionalTaken">how many leading bare words the command consumed (sub-command, names)</param>
    public void EnsureAllUsed(int positionalTaken = 0)
    {
        var unknown = _options.Keys.Where(k => !_used.Contains(k)).ToList();
        if (unknown.Count > 0) throw new CommandLineException($"unknown option{(unknown.Count > 1 ? "s" : "")}: {string.Join(", ", unknown.Select(u => "--" + u))}");
        if (Positional.Count > positionalTaken) throw new CommandLineException($"unexpected argument '{Positional[positionalTaken]}'");
    }
}
