namespace SemanticSearch.Training.Losses;

/// <summary>
/// L2 row normalization as torch.nn.functional.normalize(p=2, eps=1e-12), the first step of
/// sentence-transformers' cos_sim. Forward and backward side by side; double precision inside
/// so that gradient parity with the float64 reference is limited only by the float inputs.
/// </summary>
internal static class RowNormalization
{
    public const double Epsilon = 1e-12;

    /// <summary>x [rows, dim] -> u [rows, dim] with u_r = x_r / max(|x_r|, eps); divisors [rows].</summary>
    public static double[] Forward(ReadOnlySpan<float> x, int rows, int dim, out double[] divisors)
    {
        var u = new double[rows * dim];
        divisors = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            var xr = x.Slice(r * dim, dim);
            double sumSq = 0;
            for (int k = 0; k < dim; k++) sumSq += (double)xr[k] * xr[k];
            double n = Math.Max(Math.Sqrt(sumSq), Epsilon);
            divisors[r] = n;
            for (int k = 0; k < dim; k++) u[r * dim + k] = xr[k] / n;
        }
        return u;
    }

    /// <summary>
    /// du [rows, dim] -> dx [rows, dim] (overwritten). With n = |x| above eps,
    /// dx = (du - (du·u) u) / n: the radial component of du is removed because scaling x does not move u.
    /// When the clamp is active the divisor is the constant eps, so dx = du / eps.
    /// </summary>
    public static void Backward(ReadOnlySpan<double> u, ReadOnlySpan<double> divisors, ReadOnlySpan<double> du,
        Span<float> dx, int rows, int dim)
    {
        for (int r = 0; r < rows; r++)
        {
            var ur = u.Slice(r * dim, dim);
            var dur = du.Slice(r * dim, dim);
            double n = divisors[r];
            double radial = 0;
            if (n > Epsilon)
                for (int k = 0; k < dim; k++) radial += dur[k] * ur[k];
            for (int k = 0; k < dim; k++) dx[r * dim + k] = (float)((dur[k] - radial * ur[k]) / n);
        }
    }
}
