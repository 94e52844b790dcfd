using SemanticSearch.Training.Optimization;

namespace SemanticSearch.Training.Tests;

/// <summary>
/// Central finite difference of a whole-graph loss against one parameter element's analytic gradient.
/// Float32 graphs need a large step (h = 1e-2) for the difference to rise above rounding noise, so the
/// tolerance is relative, 2e-2 of max(<c>floor</c>, |numeric|).
/// </summary>
internal static class ParameterGradientCheck
{
    public static void AssertMatches(TrainableParameter p, int i, Func<double> loss, double floor)
    {
        float keep = p.Values[i];
        const float h = 1e-2f;
        p.Values[i] = keep + h; double up = loss();
        p.Values[i] = keep - h; double down = loss();
        p.Values[i] = keep;
        double numeric = (up - down) / (2 * h);
        Assert.True(Math.Abs(numeric - p.Gradients[i]) <= 2e-2 * Math.Max(floor, Math.Abs(numeric)),
            $"{p.Name}[{i}]: analytic {p.Gradients[i]:G6}, numeric {numeric:G6}");
    }
}
