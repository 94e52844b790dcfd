using System.Collections;

namespace SemanticSearch.Service.Rpc;

/// <summary>
/// gRPC custom metadata: ordered, case-insensitive keys, repeated keys allowed. Keys ending in
/// "-bin" carry binary values, which travel base64-encoded in HTTP/2 headers.
/// </summary>
public sealed class Metadata : IEnumerable<Metadata.Entry>
{
    public const string BinarySuffix = "-bin";

    private readonly List<Entry> _entries = new();

    public int Count => _entries.Count;

    public Metadata Add(string key, string value)
    {
        var normalized = NormalizeKey(key);
        if (IsBinaryKey(normalized))
        {
            throw new ArgumentException($"Binary metadata key '{key}' needs a byte[] value.", nameof(key));
        }
        _entries.Add(new Entry(normalized, value, null));
        return this;
    }

    public Metadata Add(string key, byte[] value)
    {
        var normalized = NormalizeKey(key);
        if (!IsBinaryKey(normalized))
        {
            throw new ArgumentException($"Binary metadata key '{key}' must end in '{BinarySuffix}'.", nameof(key));
        }
        _entries.Add(new Entry(normalized, null, value));
        return this;
    }

    /// <summary>Adds an entry taken from another collection (already normalized and validated).</summary>
    public Metadata Add(Entry entry)
    {
        _entries.Add(entry);
        return this;
    }

    /// <summary>The last text value for <paramref name="key"/>, or null.</summary>
    public string? GetValue(string key)
    {
        var normalized = NormalizeKey(key);
        for (var i = _entries.Count - 1; i >= 0; i--)
        {
            if (_entries[i].Key == normalized && _entries[i].Value is { } value)
            {
                return value;
            }
        }
        return null;
    }

    /// <summary>The last binary value for a "-bin" <paramref name="key"/>, or null.</summary>
    public byte[]? GetBytes(string key)
    {
        var normalized = NormalizeKey(key);
        for (var i = _entries.Count - 1; i >= 0; i--)
        {
            if (_entries[i].Key == normalized && _entries[i].ValueBytes is { } bytes)
            {
                return bytes;
            }
        }
        return null;
    }

    public IEnumerator<Entry> GetEnumerator() => _entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public static bool IsBinaryKey(string key) => key.EndsWith(BinarySuffix, StringComparison.OrdinalIgnoreCase);

    /// <summary>The header text for an entry: binary values are base64 (unpadded is also accepted on read).</summary>
    internal static string ToHeaderValue(Entry entry) =>
        entry.ValueBytes is { } bytes ? Convert.ToBase64String(bytes) : entry.Value!;

    /// <summary>Adds one header value; binary keys are base64-decoded, tolerating missing padding.</summary>
    internal void AddFromHeader(string key, string value)
    {
        var normalized = NormalizeKey(key);
        if (IsBinaryKey(normalized))
        {
            var padded = value.Trim();
            if (padded.Length % 4 != 0)
            {
                padded = padded.PadRight(padded.Length + (4 - padded.Length % 4), '=');
            }
            _entries.Add(new Entry(normalized, null, Convert.FromBase64String(padded)));
        }
        else
        {
            _entries.Add(new Entry(normalized, value, null));
        }
    }

    private static string NormalizeKey(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        return key.ToLowerInvariant();
    }

    public readonly record struct Entry(string Key, string? Value, byte[]? ValueBytes)
    {
        public bool IsBinary => ValueBytes is not null;
    }
}
