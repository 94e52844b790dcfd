namespace SemanticSearch.Training.Evaluation;

/// <summary>Pearson and Spearman correlation (scipy.stats semantics: Spearman = Pearson of average ranks).</summary>
public static class RankCorrelation
{
    public static double Pearson(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Count != y.Count) throw new ArgumentException($"{x.Count} vs {y.Count} values");
        if (x.Count < 2) throw new ArgumentException("correlation needs at least two pairs");
        double mx = x.Average(), my = y.Average();
        double sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < x.Count; i++)
        {
            double dx = x[i] - mx, dy = y[i] - my;
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }
        // A constant input has no defined correlation; NaN, like scipy, rather than a misleading 0.
        return sxx == 0 || syy == 0 ? double.NaN : sxy / Math.Sqrt(sxx * syy);
    }

    public static double Spearman(IReadOnlyList<double> x, IReadOnlyList<double> y) => Pearson(AverageRanks(x), AverageRanks(y));

    /// <summary>1-based ranks; tied values all get the mean of the ranks they span (e.g. two tied for 2nd → 2.5).</summary>
    public static double[] AverageRanks(IReadOnlyList<double> values)
    {
        var order = Enumerable.Range(0, values.Count).OrderBy(i => values[i]).ToArray();
        var ranks = new double[values.Count];
        for (int start = 0; start < order.Length;)
        {
            int end = start;
            while (end + 1 < order.Length && values[order[end + 1]] == values[order[start]]) end++;
            double rank = (start + end) / 2.0 + 1;
            for (int k = start; k <= end; k++) ranks[order[k]] = rank;
            start = end + 1;
        }
        return ranks;
    }
}
