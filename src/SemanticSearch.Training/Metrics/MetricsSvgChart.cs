using System.Globalization;
using System.Text;

namespace SemanticSearch.Training.Metrics;

/// <summary>One chart panel: a title and the metric names drawn in it (records of any kind that carry them).</summary>
public sealed record ChartPanel(string Title, IReadOnlyList<string> MetricNames);

/// <summary>
/// Renders metrics as a plain SVG: one panel per <see cref="ChartPanel"/> stacked vertically, each with its own
/// y range (loss and retrieval metrics live on different scales), x = optimizer step, axes with 5 ticks, one
/// polyline per metric and a legend. Only finite values are plotted. Numbers are formatted with the invariant
/// culture and fixed decimals, so equal input gives byte-identical output.
/// </summary>
public static class MetricsSvgChart
{
    private const int Width = 800, PanelHeight = 280, Left = 70, Right = 180, Top = 36, Bottom = 40;
    private static readonly string[] Palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

    /// <summary>Panels "loss" (train records' values whose name contains "loss") and "evaluation" (all eval values).</summary>
    public static IReadOnlyList<ChartPanel> DefaultPanels(IReadOnlyList<MetricsRecord> records)
    {
        var loss = records.Where(r => r.Kind == "train").SelectMany(r => r.Values.Select(v => v.Key))
            .Where(n => n.Contains("loss", StringComparison.Ordinal)).Distinct().ToList();
        var eval = records.Where(r => r.Kind == "eval").SelectMany(r => r.Values.Select(v => v.Key)).Distinct().ToList();
        var panels = new List<ChartPanel>();
        if (loss.Count > 0) panels.Add(new ChartPanel("loss", loss));
        if (eval.Count > 0) panels.Add(new ChartPanel("evaluation", eval));
        return panels;
    }

    public static string Render(IReadOnlyList<MetricsRecord> records) => Render(records, DefaultPanels(records));

    public static string Render(IReadOnlyList<MetricsRecord> records, IReadOnlyList<ChartPanel> panels)
    {
        if (panels.Count == 0) throw new ArgumentException("nothing to chart: no panels (no loss or evaluation metrics)");
        int height = PanelHeight * panels.Count;
        var svg = new StringBuilder();
        svg.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" viewBox=\"0 0 {Width} {height}\" font-family=\"sans-serif\" font-size=\"11\">\n");
        svg.Append($"<rect width=\"{Width}\" height=\"{height}\" fill=\"white\"/>\n");
        for (int p = 0; p < panels.Count; p++) RenderPanel(svg, records, panels[p], p * PanelHeight);
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static void RenderPanel(StringBuilder svg, IReadOnlyList<MetricsRecord> records, ChartPanel panel, int offsetY)
    {
        var series = panel.MetricNames.Select(name => (Name: name, Points: records
                .SelectMany(r => r.Values.Where(v => v.Key == name && double.IsFinite(v.Value)).Select(v => (X: (double)r.Step, Y: v.Value)))
                .OrderBy(pt => pt.X).ToList()))
            .ToList();
        var all = series.SelectMany(s => s.Points).ToList();
        double x0 = all.Count > 0 ? all.Min(pt => pt.X) : 0, x1 = all.Count > 0 ? all.Max(pt => pt.X) : 1;
        double y0 = all.Count > 0 ? all.Min(pt => pt.Y) : 0, y1 = all.Count > 0 ? all.Max(pt => pt.Y) : 1;
        if (x1 == x0) { x0 -= 1; x1 += 1; }
        if (y1 == y0) { double pad = Math.Max(Math.Abs(y0) * 0.1, 1e-3); y0 -= pad; y1 += pad; }

        double plotW = Width - Left - Right, plotH = PanelHeight - Top - Bottom;
        double top = offsetY + Top, bottom = offsetY + Top + plotH;
        string Px(double x) => F(Left + (x - x0) / (x1 - x0) * plotW);
        double PyValue(double y) => bottom - (y - y0) / (y1 - y0) * plotH;
        string Py(double y) => F(PyValue(y));

        svg.Append($"<text x=\"{Left}\" y=\"{F(offsetY + 22)}\" font-size=\"14\" font-weight=\"bold\">{Escape(panel.Title)}</text>\n");
        // Axes and ticks.
        svg.Append($"<line x1=\"{Left}\" y1=\"{F(bottom)}\" x2=\"{F(Left + plotW)}\" y2=\"{F(bottom)}\" stroke=\"black\"/>\n");
        svg.Append($"<line x1=\"{Left}\" y1=\"{F(top)}\" x2=\"{Left}\" y2=\"{F(bottom)}\" stroke=\"black\"/>\n");
        for (int t = 0; t <= 4; t++)
        {
            double xv = x0 + (x1 - x0) * t / 4, yv = y0 + (y1 - y0) * t / 4;
            svg.Append($"<line x1=\"{Px(xv)}\" y1=\"{F(bottom)}\" x2=\"{Px(xv)}\" y2=\"{F(bottom + 4)}\" stroke=\"black\"/>");
            svg.Append($"<text x=\"{Px(xv)}\" y=\"{F(bottom + 16)}\" text-anchor=\"middle\">{Tick(xv)}</text>\n");
            svg.Append($"<line x1=\"{F(Left - 4)}\" y1=\"{Py(yv)}\" x2=\"{Left}\" y2=\"{Py(yv)}\" stroke=\"black\"/>");
            svg.Append($"<line x1=\"{Left}\" y1=\"{Py(yv)}\" x2=\"{F(Left + plotW)}\" y2=\"{Py(yv)}\" stroke=\"#e5e5e5\"/>");
            svg.Append($"<text x=\"{F(Left - 6)}\" y=\"{F(PyValue(yv) + 4)}\" text-anchor=\"end\">{Tick(yv)}</text>\n");
        }
        svg.Append($"<text x=\"{F(Left + plotW / 2)}\" y=\"{F(bottom + 32)}\" text-anchor=\"middle\">step</text>\n");

        // One polyline per series (a single point gets a dot so it stays visible), legend on the right.
        for (int s = 0; s < series.Count; s++)
        {
            string colour = Palette[s % Palette.Length];
            var pts = series[s].Points;
            if (pts.Count > 1)
                svg.Append($"<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"1.5\" points=\"{string.Join(" ", pts.Select(pt => $"{Px(pt.X)},{Py(pt.Y)}"))}\"/>\n");
            else if (pts.Count == 1)
                svg.Append($"<circle cx=\"{Px(pts[0].X)}\" cy=\"{Py(pts[0].Y)}\" r=\"2.5\" fill=\"{colour}\"/>\n");
            double ly = top + 14 * s;
            svg.Append($"<rect x=\"{F(Left + plotW + 12)}\" y=\"{F(ly)}\" width=\"12\" height=\"3\" fill=\"{colour}\"/>");
            svg.Append($"<text x=\"{F(Left + plotW + 28)}\" y=\"{F(ly + 5)}\">{Escape(series[s].Name)}</text>\n");
        }
    }

    private static string F(double v) => v.ToString("F2", CultureInfo.InvariantCulture);

    private static string Tick(double v) => v.ToString("G4", CultureInfo.InvariantCulture);

    private static string Escape(string s) =>
        s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&quot;");
}
