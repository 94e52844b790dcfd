using SemanticSearch.Training.Metrics;

namespace SemanticSearch.Training.Pretraining;

/// <summary>What a resumed pretraining run needs from the metrics.jsonl the interrupted run wrote.</summary>
internal static class PretrainingMetricsFile
{
    /// <summary>Drops records after <paramref name="step"/>: the resumed run rewrites those steps, each must appear once.</summary>
    public static void Truncate(string path, long step)
    {
        if (!File.Exists(path)) return;
        var kept = MetricsJsonlReader.Read(path).Where(r => r.Step <= step).Select(MetricsJsonlWriter.Format).ToList();
        string temp = path + ".tmp";
        File.WriteAllLines(temp, kept);
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>The losses of the steps already taken (skipped ones excluded), by epoch, so the end-of-run means cover the whole run.</summary>
    public static List<double>[] EpochLosses(string path, int epochs)
    {
        var losses = Enumerable.Range(0, epochs).Select(_ => new List<double>()).ToArray();
        if (!File.Exists(path)) return losses;
        foreach (var record in MetricsJsonlReader.Read(path).Where(r => r.Kind == "train"))
        {
            var values = record.Values.ToDictionary(v => v.Key, v => v.Value, StringComparer.Ordinal);
            if (values.ContainsKey("skipped") || !values.TryGetValue("epoch", out double epoch) || !values.TryGetValue("mlm_loss", out double loss)) continue;
            if (epoch >= 0 && epoch < epochs) losses[(int)epoch].Add(loss);
        }
        return losses;
    }
}
