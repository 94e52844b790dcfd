using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace SemanticSearch.Tensors;

/// <summary>
/// <see cref="IGemm"/> over OpenBLAS's cblas_sgemm (libopenblas.so.0), for comparison and as an
/// optional backend. Unlike <see cref="ManagedGemm"/> it does not promise batch-invariant bits:
/// OpenBLAS picks kernels and K splitting by shape and thread count.
/// </summary>
public sealed unsafe class OpenBlasGemm : IGemm
{
    private const int CblasRowMajor = 101, CblasNoTrans = 111, CblasTrans = 112;
    private static readonly string[] LibraryNames = ["libopenblas.so.0", "libopenblas.so", "libopenblas"];
    private static readonly object LoadLock = new();
    private static OpenBlasGemm? s_loaded;
    private static string? s_failure;

    private readonly delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> _sgemm;
    private readonly delegate* unmanaged<int, void> _setNumThreads; // null if the build lacks it
    private int _threads = -1;

    private OpenBlasGemm(nint sgemm, nint setNumThreads, string library)
    {
        _sgemm = (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)sgemm;
        _setNumThreads = (delegate* unmanaged<int, void>)setNumThreads;
        Name = $"openblas ({library}, core {Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE") ?? "auto"})";
    }

    public string Name { get; }

    /// <summary>Loads OpenBLAS once per process; on failure <paramref name="reason"/> says why.</summary>
    public static bool TryLoad(out OpenBlasGemm? gemm, out string? reason)
    {
        lock (LoadLock)
        {
            if (s_loaded is null && s_failure is null) s_failure = Load(out s_loaded);
            gemm = s_loaded;
            reason = s_failure;
            return gemm is not null;
        }
    }

    private static string? Load(out OpenBlasGemm? gemm)
    {
        gemm = null;
        if (!OperatingSystem.IsLinux())
            return "OpenBLAS backend is only wired up for Linux (libopenblas.so.0).";
        // OpenBLAS reads OPENBLAS_CORETYPE from the C environment when the library initialises; its
        // CPU detection misses AMD EPYC under some hypervisors and falls back to a ~5× slower kernel.
        // Environment.SetEnvironmentVariable does not reach the C environ, hence libc setenv.
        if (Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE") is null)
        {
            string core = Avx512F.IsSupported ? "SkylakeX" : Avx2.IsSupported ? "Haswell" : "Prescott";
            if (LibC.setenv("OPENBLAS_CORETYPE", core, 0) != 0)
                return "setenv(OPENBLAS_CORETYPE) failed.";
            Environment.SetEnvironmentVariable("OPENBLAS_CORETYPE", core);
        }
        var errors = new List<string>();
        foreach (var name in LibraryNames)
        {
            if (!NativeLibrary.TryLoad(name, out nint handle)) { errors.Add($"{name}: not found"); continue; }
            if (!NativeLibrary.TryGetExport(handle, "cblas_sgemm", out nint sgemm)) { errors.Add($"{name}: no cblas_sgemm export"); continue; }
            NativeLibrary.TryGetExport(handle, "openblas_set_num_threads", out nint setThreads);
            gemm = new OpenBlasGemm(sgemm, setThreads, name);
            return null;
        }
        return "Could not load OpenBLAS (" + string.Join("; ", errors) + "). Install libopenblas0-pthread.";
    }

    public void Sgemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb,
        float beta, Span<float> c, int ldc)
    {
        GemmArguments.Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (m == 0 || n == 0) return;
        int threads = ComputeThreads.Count;
        if (_setNumThreads != null && threads != _threads)
        {
            _setNumThreads(threads);
            _threads = threads;
        }
        fixed (float* pa = a, pb = b, pc = c)
        {
            _sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
        }
    }

    private static partial class LibC
    {
        [DllImport("libc", EntryPoint = "setenv")]
        public static extern int setenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);
    }
}
