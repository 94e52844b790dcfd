namespace SemanticSearch.Training.Loop;

/// <summary>
/// Names what differs between two run signatures of the form "key=value;key=value": a refused --resume should say
/// "lr: 0.05 in the checkpoint, 0.01 now", not print two long lines for the user to diff by eye.
/// </summary>
public static class RunSignatureDifference
{
    public static string Describe(string checkpoint, string current)
    {
        var was = Parse(checkpoint);
        var now = Parse(current);
        var lines = new List<string>();
        foreach (var key in was.Keys.Concat(now.Keys).Distinct(StringComparer.Ordinal))
        {
            string a = was.GetValueOrDefault(key) ?? "(absent)", b = now.GetValueOrDefault(key) ?? "(absent)";
            if (a != b) lines.Add($"  {key}: {a} in the checkpoint, {b} now");
        }
        return lines.Count == 0 ? "  (signatures differ in form only)" : string.Join('\n', lines);
    }

    /// <summary>
    /// Throws the refusal of a --resume whose checkpoint in <paramref name="checkpointFolder"/> was written under
    /// another signature, naming what differs; does nothing when the signatures match.
    /// </summary>
    public static void RequireSame(string checkpointFolder, string checkpoint, string current)
    {
        if (checkpoint != current)
            throw new InvalidOperationException($"--resume: the checkpoint in {checkpointFolder} was written by a run with other options, data or model:\n" +
                                                Describe(checkpoint, current));
    }

    private static Dictionary<string, string> Parse(string signature)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in signature.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = part.IndexOf('=');
            if (eq < 0) result[part] = "";
            else result[part[..eq]] = part[(eq + 1)..];
        }
        return result;
    }
}
