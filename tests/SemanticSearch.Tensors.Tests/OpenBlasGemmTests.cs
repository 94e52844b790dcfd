using Xunit.Abstractions;

namespace SemanticSearch.Tensors.Tests;

/// <summary>OpenBLAS parity: assertions only run when libopenblas.so.0 loads on this machine.</summary>
public class OpenBlasGemmTests(ITestOutputHelper output)
{
    [Fact]
    public void OpenBlasParity_MatchesManagedGemmWhenLibraryLoads()
    {
        if (!OpenBlasGemm.TryLoad(out var blas, out var reason))
        {
            output.WriteLine($"OpenBLAS parity NOT checked: {reason}");
            Assert.False(string.IsNullOrEmpty(reason));
            return;
        }
        output.WriteLine($"OpenBLAS parity checked against {blas!.Name}");
        var managed = new ManagedGemm();
        foreach (var (m, n, k) in new[] { (1, 1, 1), (13, 33, 257), (100, 384, 384) })
            foreach (bool ta in new[] { false, true })
                foreach (bool tb in new[] { false, true })
                {
                    int lda = (ta ? m : k) + 1, ldb = (tb ? k : n) + 2;
                    var a = Reference.Random((ta ? k : m) * lda, 1);
                    var b = Reference.Random((tb ? n : k) * ldb, 2);
                    var c1 = Reference.Random(m * n, 3);
                    var c2 = (float[])c1.Clone();
                    managed.Sgemm(ta, tb, m, n, k, 0.5f, a, lda, b, ldb, 2f, c1, n);
                    blas.Sgemm(ta, tb, m, n, k, 0.5f, a, lda, b, ldb, 2f, c2, n);
                    Reference.AssertClose(c1.Select(v => (double)v).ToArray(), c2, 1e-5 * Math.Sqrt(k), 1e-5,
                        $"openblas vs managed {m}x{n}x{k} tA={ta} tB={tb}");
                }
    }

    [Fact]
    public void OpenBlasRejectsBadArgumentsBeforeCallingNativeCode()
    {
        if (!OpenBlasGemm.TryLoad(out var blas, out _)) return;
        Assert.Throws<ArgumentException>(() => blas!.Sgemm(false, false, 3, 3, 3, 1f, new float[8], 3, new float[9], 3, 0f, new float[9], 3));
    }
}
