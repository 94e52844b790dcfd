namespace SemanticSearch.Tensors;

/// <summary>Fully connected layer y = x·Wᵀ + b with PyTorch's weight layout, via <see cref="Gemm"/>.</summary>
public static class Linear
{
    /// <summary>
    /// output [rows, outFeatures] = input [rows, inFeatures] · weightᵀ + bias.
    /// weight [outFeatures, inFeatures] (nn.Linear layout); bias [outFeatures] or empty.
    /// The bias seeds C and the GEMM accumulates onto it (beta = 1).
    /// </summary>
    public static void Forward(Span<float> output, ReadOnlySpan<float> input, ReadOnlySpan<float> weight,
        ReadOnlySpan<float> bias, int rows, int inFeatures, int outFeatures)
        => Forward(output, input, weight, null, bias, rows, inFeatures, outFeatures);

    /// <summary>
    /// As above, with <paramref name="packedWeight"/> (the same W packed by <see cref="PackedLinearWeight.TryPack"/>)
    /// used in place of packing W on this call when the managed GEMM runs it; bit-identical either way.
    /// </summary>
    public static void Forward(Span<float> output, ReadOnlySpan<float> input, ReadOnlySpan<float> weight, PackedLinearWeight? packedWeight,
        ReadOnlySpan<float> bias, int rows, int inFeatures, int outFeatures)
    {
        const string K = nameof(Linear);
        if (rows < 0 || inFeatures <= 0 || outFeatures <= 0)
            throw new ArgumentOutOfRangeException(nameof(rows), $"{K}: bad shape rows={rows}, in={inFeatures}, out={outFeatures}.");
        PackedSequences.RequireLength(input.Length, (long)rows * inFeatures, K, nameof(input));
        PackedSequences.RequireLength(output.Length, (long)rows * outFeatures, K, nameof(output));
        PackedSequences.RequireLength(weight.Length, (long)inFeatures * outFeatures, K, nameof(weight));
        if (!bias.IsEmpty) PackedSequences.RequireLength(bias.Length, outFeatures, K, nameof(bias));

        float beta = 0f;
        if (!bias.IsEmpty)
        {
            CopyBiasIntoRows(output, bias, rows, outFeatures);
            beta = 1f;
        }
        if (packedWeight is not null && (packedWeight.OutFeatures != outFeatures || packedWeight.InFeatures != inFeatures))
            throw new ArgumentException($"{K}: packed weight is [{packedWeight.OutFeatures}, {packedWeight.InFeatures}], layer is [{outFeatures}, {inFeatures}]", nameof(packedWeight));
        // A few rows stream W unpacked (FewRowsGemm) and never pack it, so the packed copy only pays above that.
        if (packedWeight is not null && rows > FewRowsGemm.MaxRows && Gemm.Backend is ManagedGemm managed && managed.Kernel == packedWeight.Kernel)
            managed.SgemmPackedWeight(rows, input, inFeatures, packedWeight, beta, output, outFeatures);
        else
            Gemm.Sgemm(false, true, rows, outFeatures, inFeatures, 1f, input, inFeatures, weight, inFeatures, beta, output, outFeatures);
    }

    // Below this many floats per thread a parallel region costs more than the copy.
    private const int MinFloatsPerThread = 1 << 15;

    // output[r, :] = bias for every row: a plain copy, but at ~500 tokens × 1536 it is 3 MB per FFN layer,
    // worth splitting over the threads rather than leaving the other core idle.
    private static unsafe void CopyBiasIntoRows(Span<float> output, ReadOnlySpan<float> bias, int rows, int outFeatures)
    {
        int threads = Math.Min(ComputeThreads.Count, (int)Math.Min(int.MaxValue, (long)rows * outFeatures / MinFloatsPerThread));
        if (threads <= 1)
        {
            for (int r = 0; r < rows; r++) bias.CopyTo(output.Slice(r * outFeatures, outFeatures));
            return;
        }
        int chunks = threads * 2, rowsPerChunk = (rows + chunks - 1) / chunks;
        chunks = (rows + rowsPerChunk - 1) / rowsPerChunk;
        fixed (float* po = output, pb = bias)
        {
            nint o = (nint)po, b = (nint)pb;
            ComputeThreads.For(chunks, chunk =>
            {
                var row = new ReadOnlySpan<float>((float*)b, outFeatures);
                for (int r = chunk * rowsPerChunk, end = Math.Min(rows, r + rowsPerChunk); r < end; r++)
                    row.CopyTo(new Span<float>((float*)o + (nint)r * outFeatures, outFeatures));
            });
        }
    }

    /// <summary>
    /// Backward of y = x·Wᵀ + b, accumulating: dInput [rows,in] += dOutput·W, dWeight [out,in] += dOutputᵀ·input,
    /// dBias [out] += Σ_rows dOutput. Any of dInput / dWeight / dBias may be empty to skip it (first layer,
    /// frozen parameters). The two products are GEMMs with beta = 1; the bias sum runs over rows in order.
    /// </summary>
    public static void Backward(Span<float> dInput, Span<float> dWeight, Span<float> dBias, ReadOnlySpan<float> dOutput,
        ReadOnlySpan<float> input, ReadOnlySpan<float> weight, int rows, int inFeatures, int outFeatures)
    {
        const string K = nameof(Linear);
        if (rows < 0 || inFeatures <= 0 || outFeatures <= 0)
            throw new ArgumentOutOfRangeException(nameof(rows), $"{K}: bad shape rows={rows}, in={inFeatures}, out={outFeatures}.");
        PackedSequences.RequireLength(dOutput.Length, (long)rows * outFeatures, K, nameof(dOutput));
        PackedSequences.RequireLength(weight.Length, (long)inFeatures * outFeatures, K, nameof(weight));
        if (rows == 0) return;
        if (!dInput.IsEmpty)
        {
            PackedSequences.RequireLength(dInput.Length, (long)rows * inFeatures, K, nameof(dInput));
            // [rows,out]·[out,in]
            Gemm.Sgemm(false, false, rows, inFeatures, outFeatures, 1f, dOutput, outFeatures, weight, inFeatures, 1f, dInput, inFeatures);
        }
        if (!dWeight.IsEmpty)
        {
            PackedSequences.RequireLength(input.Length, (long)rows * inFeatures, K, nameof(input));
            PackedSequences.RequireLength(dWeight.Length, (long)inFeatures * outFeatures, K, nameof(dWeight));
            // [out,rows]·[rows,in]: dOutput read transposed
            Gemm.Sgemm(true, false, outFeatures, inFeatures, rows, 1f, dOutput, outFeatures, input, inFeatures, 1f, dWeight, inFeatures);
        }
        if (!dBias.IsEmpty)
        {
            PackedSequences.RequireLength(dBias.Length, outFeatures, K, nameof(dBias));
            for (int r = 0; r < rows; r++)
                System.Numerics.Tensors.TensorPrimitives.Add(dBias, dOutput.Slice(r * outFeatures, outFeatures), dBias);
        }
    }
}
