using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SemanticSearch.Training.Classification;

/// <summary>
/// Writes an evaluation beside the head: report.txt (the layout of scikit-learn's classification_report),
/// report.json (the same numbers plus context), confusion.csv and confusion.svg (a heat map of the same matrix;
/// cell shade = count / row total, so large and small classes are comparable).
/// </summary>
public static class ClassificationReportWriter
{
    /// <param name="outOfScope">with an unknown label: the in-scope / out-of-scope numbers, beside the per-intent ones</param>
    public static void Write(string folder, ClassificationMetrics metrics, JsonObject context, OutOfScopeMetrics? outOfScope = null)
    {
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "report.txt"), FormatText(metrics) + (outOfScope is null ? "" : FormatText(outOfScope)));
        var json = new JsonObject
        {
            ["context"] = context,
            ["count"] = metrics.Count,
            ["multi_label"] = metrics.MultiLabel,
            ["accuracy"] = metrics.Accuracy,
            ["unknown"] = metrics.UnknownCount,
            ["macro avg"] = Averages(metrics.MacroPrecision, metrics.MacroRecall, metrics.MacroF1),
            ["weighted avg"] = Averages(metrics.WeightedPrecision, metrics.WeightedRecall, metrics.WeightedF1),
            ["unseen_labels"] = new JsonArray(metrics.UnseenLabels.Select(l => (JsonNode)l).ToArray()),
            ["per_class"] = new JsonArray(metrics.PerClass.Select(m => (JsonNode)new JsonObject
            {
                ["label"] = m.Label, ["precision"] = m.Precision, ["recall"] = m.Recall, ["f1-score"] = m.F1,
                ["support"] = m.Support, ["seen_in_training"] = m.SeenInTraining,
            }).ToArray()),
        };
        if (outOfScope is not null)
            json["out_of_scope"] = new JsonObject
            {
                ["threshold"] = outOfScope.Threshold, ["in_scope_count"] = outOfScope.InScopeCount, ["out_of_scope_count"] = outOfScope.OutOfScopeCount,
                ["in_scope_accuracy"] = outOfScope.InScopeAccuracy, ["out_of_scope_precision"] = outOfScope.OutOfScopePrecision,
                ["out_of_scope_recall"] = outOfScope.OutOfScopeRecall, ["out_of_scope_f1"] = outOfScope.OutOfScopeF1,
            };
        File.WriteAllText(Path.Combine(folder, "report.json"), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        File.WriteAllText(Path.Combine(folder, "confusion.csv"), FormatCsv(metrics));
        File.WriteAllText(Path.Combine(folder, "confusion.svg"), FormatSvg(metrics));
    }

    private static JsonObject Averages(double p, double r, double f) => new() { ["precision"] = p, ["recall"] = r, ["f1-score"] = f };

    public static string FormatText(ClassificationMetrics m)
    {
        int width = Math.Max(12, m.PerClass.Select(c => c.Label.Length + (c.SeenInTraining ? 0 : 2)).DefaultIfEmpty(0).Max());
        var sb = new StringBuilder();
        string Row(string name, string p, string r, string f, string s) => string.Create(CultureInfo.InvariantCulture, $"{name.PadLeft(width)} {p,9} {r,9} {f,9} {s,9}\n");
        string F(double x) => x.ToString("0.0000", CultureInfo.InvariantCulture);
        sb.Append(Row("", "precision", "recall", "f1-score", "support")).Append('\n');
        foreach (var c in m.PerClass)
            sb.Append(Row(c.SeenInTraining ? c.Label : c.Label + " *", F(c.Precision), F(c.Recall), F(c.F1), c.Support.ToString(CultureInfo.InvariantCulture)));
        sb.Append('\n');
        sb.Append(Row(m.MultiLabel ? "exact match" : "accuracy", "", "", F(m.Accuracy), m.Count.ToString(CultureInfo.InvariantCulture)));
        int support = m.PerClass.Sum(c => c.Support);
        sb.Append(Row("macro avg", F(m.MacroPrecision), F(m.MacroRecall), F(m.MacroF1), support.ToString(CultureInfo.InvariantCulture)));
        sb.Append(Row("weighted avg", F(m.WeightedPrecision), F(m.WeightedRecall), F(m.WeightedF1), support.ToString(CultureInfo.InvariantCulture)));
        if (!m.MultiLabel) sb.Append($"\n{m.UnknownCount} of {m.Count} answers were \"unknown\" (below the threshold) and count as wrong.\n");
        if (m.UnseenLabels.Count > 0)
            sb.Append($"* {m.UnseenLabels.Count} gold label(s) not seen in training (the head cannot predict them): {string.Join(", ", m.UnseenLabels)}\n");
        return sb.ToString();
    }

    /// <summary>The out-of-scope section of report.txt (the per-intent table above it covers the in-scope texts).</summary>
    public static string FormatText(OutOfScopeMetrics m) => string.Create(CultureInfo.InvariantCulture,
        $"\nOut of scope (threshold {m.Threshold:0.00}; the table above covers the {m.InScopeCount} in-scope texts):\n" +
        $"  in-scope accuracy       {m.InScopeAccuracy:0.0000}  ({m.InScopeCount} texts; \"unknown\" counts as wrong)\n" +
        $"  out-of-scope precision  {m.OutOfScopePrecision:0.0000}  (of the \"unknown\" answers)\n" +
        $"  out-of-scope recall     {m.OutOfScopeRecall:0.0000}  ({m.OutOfScopeCount} out-of-scope texts)\n" +
        $"  out-of-scope F1         {m.OutOfScopeF1:0.0000}\n");

    public static string FormatCsv(ClassificationMetrics m)
    {
        var sb = new StringBuilder();
        sb.Append(Csv(m.MultiLabel ? "label" : "gold\\predicted")).Append(',').AppendJoin(',', m.MatrixColumns.Select(Csv)).Append('\n');
        for (int r = 0; r < m.MatrixRows.Count; r++)
        {
            sb.Append(Csv(m.MatrixRows[r]));
            for (int c = 0; c < m.MatrixColumns.Count; c++) sb.Append(',').Append(m.Matrix[r, c].ToString(CultureInfo.InvariantCulture));
            sb.Append('\n');
        }
        return sb.ToString();
    }

    private static string Csv(string s) => s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;

    public static string FormatSvg(ClassificationMetrics m)
    {
        const int cell = 14, margin = 8;
        int rows = m.MatrixRows.Count, cols = m.MatrixColumns.Count;
        int labelWidth = Math.Min(260, 7 * Math.Max(m.MatrixRows.Max(l => l.Length), 4) + margin);
        int top = Math.Min(260, 7 * Math.Max(m.MatrixColumns.Max(l => l.Length), 4) + margin);
        int width = labelWidth + cols * cell + margin, height = top + rows * cell + margin;
        var inv = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.Append(inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"10\">\n");
        sb.Append(inv, $"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>\n");
        for (int c = 0; c < cols; c++)
        {
            int x = labelWidth + c * cell + cell / 2 + 3;
            sb.Append(inv, $"<text x=\"{x}\" y=\"{top - 4}\" transform=\"rotate(-90 {x} {top - 4})\">{WebUtility.HtmlEncode(m.MatrixColumns[c])}</text>\n");
        }
        for (int r = 0; r < rows; r++)
        {
            int y = top + r * cell;
            long total = 0;
            for (int c = 0; c < cols; c++) total += m.Matrix[r, c];
            sb.Append(inv, $"<text x=\"{labelWidth - 4}\" y=\"{y + cell - 3}\" text-anchor=\"end\">{WebUtility.HtmlEncode(m.MatrixRows[r])}</text>\n");
            for (int c = 0; c < cols; c++)
            {
                double share = total == 0 ? 0 : (double)m.Matrix[r, c] / total;
                int shade = (int)Math.Round(255 * (1 - share));
                sb.Append(inv, $"<rect x=\"{labelWidth + c * cell}\" y=\"{y}\" width=\"{cell}\" height=\"{cell}\" fill=\"rgb({shade},{shade},255)\" stroke=\"#ddd\"><title>{WebUtility.HtmlEncode(m.MatrixRows[r])} → {WebUtility.HtmlEncode(m.MatrixColumns[c])}: {m.Matrix[r, c]}</title></rect>\n");
            }
        }
        sb.Append("</svg>\n");
        return sb.ToString();
    }
}
