namespace SemanticSearch.Tensors.Tests;

/// <summary>
/// A row of C must come out bit-identical whatever batch it is computed in: alone (m = 1), at any
/// offset inside m = 257, with 1 or 2 threads, and for every micro-kernel.
/// </summary>
public class GemmBatchInvarianceTests
{
    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void RowAloneEqualsRowInsideBatchOf257AcrossThreadCounts(bool transA, bool transB)
    {
        const int m = 257, n = 200, k = 300; // k > KC: several K blocks; n not a multiple of NR
        var a = Reference.Random(m * k, 1);
        var b = Reference.Random(k * n, 2);
        int lda = transA ? m : k, ldb = transB ? k : n;
        var gemm = new ManagedGemm();

        float[] batch1 = new float[m * n], batch2 = new float[m * n];
        Reference.WithThreads(1, () => gemm.Sgemm(transA, transB, m, n, k, 1f, a, lda, b, ldb, 0f, batch1, n));
        Reference.WithThreads(2, () => gemm.Sgemm(transA, transB, m, n, k, 1f, a, lda, b, ldb, 0f, batch2, n));
        Reference.AssertBitsEqual(batch1, batch2, "1 thread vs 2 threads");

        foreach (int row in new[] { 0, 1, 5, 6, 7, 100, 143, 144, 145, 250, 256 })
        {
            // The same row stored alone: for transA the row is a column of the stored k×m matrix.
            var single = new float[k];
            for (int p = 0; p < k; p++) single[p] = transA ? a[p * m + row] : a[row * k + p];
            var alone = new float[n];
            Reference.WithThreads(2, () => gemm.Sgemm(transA, transB, 1, n, k, 1f, single, transA ? 1 : k, b, ldb, 0f, alone, n));
            Reference.AssertBitsEqual(batch1.AsSpan(row * n, n), alone, $"row {row} alone vs in batch");

            // The same row at another offset of a differently sized batch (row 3 of 10).
            var small = Reference.Random(10 * k, 3 + row);
            for (int p = 0; p < k; p++)
            {
                if (transA) small[p * 10 + 3] = single[p];
                else small[3 * k + p] = single[p];
            }
            var smallOut = new float[10 * n];
            Reference.WithThreads(1, () => gemm.Sgemm(transA, transB, 10, n, k, 1f, small, transA ? 10 : k, b, ldb, 0f, smallOut, n));
            Reference.AssertBitsEqual(batch1.AsSpan(row * n, n), smallOut.AsSpan(3 * n, n), $"row {row} as row 3 of 10");
        }
    }

    [Fact]
    public void ColumnAloneEqualsColumnInsideWideMatrix()
    {
        // Small m, wide n: the multi-threaded path splits N instead of M.
        const int m = 3, n = 1152, k = 384;
        var a = Reference.Random(m * k, 4);
        var w = Reference.Random(n * k, 5); // [n, k], used transposed like Linear weights
        var gemm = new ManagedGemm();
        var full = new float[m * n];
        Reference.WithThreads(2, () => gemm.Sgemm(false, true, m, n, k, 1f, a, k, w, k, 0f, full, n));
        foreach (int j in new[] { 0, 15, 16, 577, 1151 })
        {
            var col = new float[m];
            Reference.WithThreads(1, () => gemm.Sgemm(false, true, m, 1, k, 1f, a, k, w.AsSpan(j * k, k), k, 0f, col, 1));
            for (int i = 0; i < m; i++)
                Assert.Equal(BitConverter.SingleToInt32Bits(full[i * n + j]), BitConverter.SingleToInt32Bits(col[i]));
        }
    }

    [Fact]
    public void LinearOfOneTokenEqualsThatTokenInABertSizedBatch()
    {
        const int tokens = 517, inF = 384, outF = 1152;
        var x = Reference.Random(tokens * inF, 6);
        var w = Reference.Random(outF * inF, 7, 0.05f);
        var bias = Reference.Random(outF, 8);
        var batch = new float[tokens * outF];
        Reference.WithThreads(2, () => Linear.Forward(batch, x, w, bias, tokens, inF, outF));
        foreach (int t in new[] { 0, 11, 516 })
        {
            var one = new float[outF];
            Reference.WithThreads(1, () => Linear.Forward(one, x.AsSpan(t * inF, inF), w, bias, 1, inF, outF));
            Reference.AssertBitsEqual(batch.AsSpan(t * outF, outF), one, $"token {t}");
        }
    }
}
