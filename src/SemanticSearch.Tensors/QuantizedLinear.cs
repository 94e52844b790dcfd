using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SemanticSearch.Tensors;

/// <summary>
/// Linear layer y = x·Wᵀ + b with int8 weights (<see cref="QuantizedLinearWeight"/>, per output channel)
/// and activations quantized dynamically per row: s_r = max_i |x[r, i]| / 127, q[r, i] = round(x[r, i]·127 / max).
/// The integer products are summed exactly in int32 and turned back into floats as
/// y[r, o] = fma(float(Σ q·w), s_r·s_o, b[o]).
///
/// Guarantees: a row's quantization depends on that row alone, the integer sum is exact whatever the kernel
/// (AVX-VNNI, AVX2 or scalar), tile position or thread split, and the dequantization is the same float
/// operations everywhere, so y[r, ·] is bit-identical for a given row whatever batch, order, thread count or
/// CPU it is computed with. It is not the float path's result: the error is the quantization's.
/// </summary>
public static unsafe class QuantizedLinear
{
    // Rows per block handed to a thread: 8 micro-panels, ≤ 147 KB of int16 activations at k = 1536 (L2-resident).
    private const int RowsPerBlock = 8 * Int8MicroKernel.MR;
    // Below this many multiply-adds a second thread costs more to wake than it saves.
    private const long MinMultiplyAddsPerThread = 1L << 20;

    /// <summary>The integer kernel this CPU runs (<see cref="Int8MicroKernel.Best"/>), for reports.</summary>
    public static string KernelName => Int8MicroKernel.Best.Name;

    /// <summary>output [rows, out] = input [rows, in] · Wᵀ + bias; bias [out] or empty.</summary>
    public static void Forward(Span<float> output, ReadOnlySpan<float> input, QuantizedLinearWeight weight, ReadOnlySpan<float> bias, int rows)
        => Forward(Int8MicroKernel.Best, output, input, weight, bias, rows);

    internal static void Forward(Int8MicroKernel kernel, Span<float> output, ReadOnlySpan<float> input, QuantizedLinearWeight weight,
        ReadOnlySpan<float> bias, int rows)
    {
        const string K = nameof(QuantizedLinear);
        ArgumentNullException.ThrowIfNull(weight);
        int n = weight.OutFeatures, k = weight.InFeatures;
        if (rows < 0) throw new ArgumentOutOfRangeException(nameof(rows), $"{K}: rows={rows} must be ≥ 0.");
        PackedSequences.RequireLength(input.Length, (long)rows * k, K, nameof(input));
        PackedSequences.RequireLength(output.Length, (long)rows * n, K, nameof(output));
        if (!bias.IsEmpty) PackedSequences.RequireLength(bias.Length, n, K, nameof(bias));
        if (rows == 0) return;

        int panels = weight.Panels;
        long work = (long)rows * n * k;
        int threads = (int)Math.Clamp(work / MinMultiplyAddsPerThread, 1, ComputeThreads.Count);
        // Many rows: blocks of rows, each over every panel. Few rows (a query): chunks of panels, each
        // quantizing all the rows again (cheap next to the multiply, and the same bits every time).
        int rowBlock = rows >= 2 * RowsPerBlock * threads ? RowsPerBlock : rows;
        int rowBlocks = (rows + rowBlock - 1) / rowBlock;
        int panelChunk = rowBlocks >= 2 * threads ? panels : Math.Max(1, (panels + 2 * threads - 1) / (2 * threads));
        int panelChunks = (panels + panelChunk - 1) / panelChunk;

        fixed (float* px = input, py = output, pb = bias)
        {
            nint x = (nint)px, y = (nint)py, b = (nint)pb;
            bool hasBias = !bias.IsEmpty;
            ComputeThreads.For(rowBlocks * panelChunks, task =>
            {
                int rb = task / panelChunks, pc = task % panelChunks;
                int i0 = rb * rowBlock, i1 = Math.Min(rows, i0 + rowBlock);
                int p0 = pc * panelChunk, p1 = Math.Min(panels, p0 + panelChunk);
                RunBlock(kernel, weight, (float*)x, (float*)y, hasBias ? (float*)b : null, i0, i1, p0, p1);
            });
        }
    }

    [ThreadStatic] private static short[]? t_rows;
    [ThreadStatic] private static float[]? t_rowScales;

    // Rows [i0, i1) against output panels [p0, p1): quantize the rows into this thread's scratch, then
    // for each panel (stays in L1/L2) run every 6-row micro-panel and dequantize its tile into y.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunBlock(Int8MicroKernel kernel, QuantizedLinearWeight w, float* x, float* y, float* bias, int i0, int i1, int p0, int p1)
    {
        const int MR = Int8MicroKernel.MR, NR = Int8MicroKernel.NR;
        int n = w.OutFeatures, k = w.InFeatures, pairs = w.Pairs, lda = 2 * pairs;
        int rows = i1 - i0, paddedRows = (rows + MR - 1) / MR * MR;
        if (t_rows is null || t_rows.Length < paddedRows * lda) t_rows = GC.AllocateArray<short>(paddedRows * lda, pinned: true);
        if (t_rowScales is null || t_rowScales.Length < paddedRows) t_rowScales = GC.AllocateArray<float>(paddedRows, pinned: true);
        short* q = (short*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(t_rows));
        float* scales = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(t_rowScales));
        for (int r = 0; r < rows; r++)
            scales[r] = QuantizeRow(x + (nint)(i0 + r) * k, k, q + (nint)r * lda, lda);
        for (int r = rows; r < paddedRows; r++)
        {
            new Span<short>(q + (nint)r * lda, lda).Clear();
            scales[r] = 0f;
        }

        int* tile = stackalloc int[MR * NR];
        float* columnScales = stackalloc float[NR];
        float* columnBias = stackalloc float[NR];
        var run = kernel.Run;
        for (int panel = p0; panel < p1; panel++)
        {
            int j0 = panel * NR, cols = Math.Min(NR, n - j0);
            for (int c = 0; c < NR; c++)
            {
                columnScales[c] = c < cols ? w.Scales[j0 + c] : 0f;
                columnBias[c] = c < cols && bias != null ? bias[j0 + c] : 0f;
            }
            int* packed = w.Panel(panel);
            for (int ir = 0; ir < rows; ir += MR)
            {
                run(q + (nint)ir * lda, lda, packed, pairs, tile);
                StoreTile(tile, scales + ir, columnScales, columnBias, y + (nint)(i0 + ir) * n + j0, n, Math.Min(MR, rows - ir), cols);
            }
        }
    }

    /// <summary>
    /// q[i] = round(x[i]·127 / max|x|) as int16 (half to even), zero-padded to <paramref name="paddedLength"/>;
    /// returns the row's scale max|x| / 127 (0 for an all-zero row, NaN when the row holds a NaN or ∞, which
    /// then makes the whole output row NaN rather than silently wrong).
    /// </summary>
    internal static float QuantizeRow(float* x, int k, short* q, int paddedLength)
    {
        var row = new ReadOnlySpan<float>(x, k);
        float max = MathF.Abs(TensorPrimitives.MaxMagnitude(row));
        new Span<short>(q, paddedLength).Clear();
        if (!float.IsFinite(max)) return float.NaN;
        if (max == 0f) return 0f;
        float inverse = 127f / max;
        int i = 0;
        if (Avx.IsSupported)
        {
            // cvtps2dq rounds half to even (the default MXCSR mode), as MathF.Round does below.
            var scale = Vector256.Create(inverse);
            for (; i + 16 <= k; i += 16)
            {
                var lo = Avx.ConvertToVector256Int32(Vector256.Load(x + i) * scale);
                var hi = Avx.ConvertToVector256Int32(Vector256.Load(x + i + 8) * scale);
                Vector256.Narrow(lo, hi).Store(q + i);
            }
        }
        for (; i < k; i++) q[i] = (short)MathF.Round(x[i] * inverse);
        return max / 127f;
    }

    // y[r, c] = fma(float(tile[r, c]), rowScale[r]·columnScale[c], bias[c]) for the valid rows and columns:
    // the same float operations whether 8 lanes or one at a time (FMA is exactly rounded either way).
    private static void StoreTile(int* tile, float* rowScales, float* columnScales, float* columnBias, float* y, int ldy, int rows, int cols)
    {
        const int NR = Int8MicroKernel.NR;
        for (int r = 0; r < rows; r++)
        {
            float* dst = y + (nint)r * ldy;
            int* acc = tile + r * NR;
            int c = 0;
            if (Vector256.IsHardwareAccelerated && cols == NR)
            {
                var rowScale = Vector256.Create(rowScales[r]);
                for (; c < NR; c += 8)
                {
                    var combined = rowScale * Vector256.Load(columnScales + c);
                    Vector256.FusedMultiplyAdd(Vector256.ConvertToSingle(Vector256.Load(acc + c)), combined, Vector256.Load(columnBias + c)).Store(dst + c);
                }
            }
            for (; c < cols; c++)
                dst[c] = MathF.FusedMultiplyAdd(acc[c], rowScales[r] * columnScales[c], columnBias[c]);
        }
    }
}
