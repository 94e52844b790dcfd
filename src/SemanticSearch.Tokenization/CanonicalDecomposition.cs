using System.Globalization;
using System.Reflection;

namespace SemanticSearch.Tokenization;

/// <summary>
/// Unicode canonical decomposition (the per-character part of NFD) from an embedded table.
/// Needed because the solution runs with InvariantGlobalization, where string.Normalize(FormD) leaves
/// non-ASCII text unchanged and accents would silently survive "stripping".
/// Canonical re-ordering of combining marks is not applied: stripping removes the Mn marks it would reorder,
/// so only the vanishingly rare sequences of several non-Mn marks with non-zero combining class could differ.
/// </summary>
internal static class CanonicalDecomposition
{
    /// <summary>The longest decomposition in the table is 4 code points; Hangul needs 3.</summary>
    public const int MaxLength = 4;

    private const string ResourceName = "SemanticSearch.Tokenization.canonical-decompositions.txt";

    // Hangul syllable arithmetic from the Unicode standard, chapter 3.12.
    private const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7;
    private const int VCount = 21, TCount = 28, NCount = VCount * TCount, SCount = 19 * NCount;

    private static readonly Lazy<Dictionary<int, int[]>> Table = new(LoadTable, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Writes the full canonical decomposition of <paramref name="cp"/> (itself if it has none); returns the count.</summary>
    public static int Decompose(int cp, Span<int> destination)
    {
        if (cp < 0xC0)
        {
            destination[0] = cp;
            return 1;
        }
        int s = cp - SBase;
        if (s >= 0 && s < SCount)
        {
            destination[0] = LBase + s / NCount;
            destination[1] = VBase + s % NCount / TCount;
            int t = s % TCount;
            if (t == 0) return 2;
            destination[2] = TBase + t;
            return 3;
        }
        if (!Table.Value.TryGetValue(cp, out var parts))
        {
            destination[0] = cp;
            return 1;
        }
        parts.CopyTo(destination);
        return parts.Length;
    }

    private static Dictionary<int, int[]> LoadTable()
    {
        using var stream = typeof(CanonicalDecomposition).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"Embedded resource {ResourceName} is missing from {typeof(CanonicalDecomposition).Assembly.FullName}.");
        using var reader = new StreamReader(stream);
        var table = new Dictionary<int, int[]>(2100);
        int lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0 || line[0] == '#') continue;
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 2 || fields.Length - 1 > MaxLength)
                throw new InvalidOperationException($"{ResourceName} line {lineNumber}: expected a code point and 1..{MaxLength} parts, got '{line}'.");
            var parts = new int[fields.Length - 1];
            for (int i = 1; i < fields.Length; i++)
                parts[i - 1] = int.Parse(fields[i], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            table[int.Parse(fields[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture)] = parts;
        }
        return table;
    }
}
