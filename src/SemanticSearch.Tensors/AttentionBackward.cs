using System.Numerics.Tensors;

namespace SemanticSearch.Tensors;

public static partial class Attention
{
    [ThreadStatic] private static float[]? t_headScratch;

    /// <summary>
    /// Backward of <see cref="Forward(Span{float}, Span{float}, ReadOnlySpan{float}, ReadOnlySpan{int}, int, int, DropoutMask)"/>
    /// from the saved probabilities P (pre-dropout) and the same mask. Per (sequence, head), with Pd = dropout(P):
    ///   dPd = dO·Vᵀ, dV = Pdᵀ·dO, dP = dropout(dPd), dS = softmax'(P, dP)·1/√d, dQ = dS·K, dK = dSᵀ·Q.
    /// dQkv [T,3H] += (dQ | dK | dV) in the qkv layout. dOutput [T,H]. Work items write disjoint (rows, head)
    /// blocks of dQkv and every sum runs in a fixed order, so the result does not depend on the thread count.
    /// </summary>
    public static unsafe void Backward(Span<float> dQkv, ReadOnlySpan<float> dOutput, ReadOnlySpan<float> qkv, ReadOnlySpan<float> probs,
        ReadOnlySpan<int> seqOffsets, int heads, int hidden, DropoutMask dropout)
    {
        const string K = nameof(Attention);
        if (heads <= 0 || hidden <= 0 || hidden % heads != 0)
            throw new ArgumentException($"{K}: hidden={hidden} must be a positive multiple of heads={heads}.", nameof(hidden));
        int tokens = PackedSequences.Validate(seqOffsets, K);
        PackedSequences.RequireLength(qkv.Length, 3L * tokens * hidden, K, nameof(qkv));
        PackedSequences.RequireLength(dQkv.Length, 3L * tokens * hidden, K, nameof(dQkv));
        PackedSequences.RequireLength(dOutput.Length, (long)tokens * hidden, K, nameof(dOutput));
        PackedSequences.RequireLength(probs.Length, ProbsLength(seqOffsets, heads), K, nameof(probs));

        int sequences = seqOffsets.Length - 1;
        var offsets = seqOffsets.ToArray();
        var probsBase = new long[sequences];
        for (int s = 1; s < sequences; s++)
        {
            long previous = offsets[s] - offsets[s - 1];
            probsBase[s] = probsBase[s - 1] + heads * previous * previous;
        }
        fixed (float* pdq = dQkv, pdo = dOutput, pq = qkv, pp = probs)
        {
            nint dq = (nint)pdq, dout = (nint)pdo, q = (nint)pq, p = (nint)pp;
            ComputeThreads.For(sequences * heads, item =>
            {
                int s = item / heads, h = item % heads;
                int length = offsets[s + 1] - offsets[s];
                if (length == 0) return;
                long pBase = probsBase[s] + (long)h * length * length;
                BackwardHead((float*)dq, (float*)dout, (float*)q, (float*)p + pBase, pBase, offsets[s], length, h, heads, hidden, dropout);
            });
        }
    }

    // One (sequence, head). Q, K, V, dO are gathered into contiguous [L, d] blocks so the inner loops are unit-stride.
    private static unsafe void BackwardHead(float* dQkv, float* dOutput, float* qkv, float* probs, long maskBase,
        int start, int length, int h, int heads, int hidden, DropoutMask dropout)
    {
        int d = hidden / heads, stride = 3 * hidden, block = length * d;
        float scale = 1f / MathF.Sqrt(d);
        var scratch = t_headScratch;
        int need = 7 * block + 2 * length;
        if (scratch is null || scratch.Length < need) t_headScratch = scratch = new float[Math.Max(need, 4096)];
        var all = scratch.AsSpan(0, need);
        all.Clear();
        Span<float> q = all.Slice(0, block), k = all.Slice(block, block), v = all.Slice(2 * block, block), dO = all.Slice(3 * block, block);
        Span<float> dq = all.Slice(4 * block, block), dk = all.Slice(5 * block, block), dv = all.Slice(6 * block, block);
        Span<float> dP = all.Slice(7 * block, length), dS = all.Slice(7 * block + length, length);
        for (int i = 0; i < length; i++)
        {
            float* row = qkv + (nint)(start + i) * stride + h * d;
            new ReadOnlySpan<float>(row, d).CopyTo(q.Slice(i * d, d));
            new ReadOnlySpan<float>(row + hidden, d).CopyTo(k.Slice(i * d, d));
            new ReadOnlySpan<float>(row + 2 * hidden, d).CopyTo(v.Slice(i * d, d));
            new ReadOnlySpan<float>(dOutput + (nint)(start + i) * hidden + h * d, d).CopyTo(dO.Slice(i * d, d));
        }

        for (int i = 0; i < length; i++)
        {
            var pRow = new ReadOnlySpan<float>(probs + (nint)i * length, length);
            var dOi = dO.Slice(i * d, d);
            long rowMask = maskBase + (long)i * length;
            for (int j = 0; j < length; j++)
            {
                float factor = dropout.Factor(rowMask + j);
                // dV_j += Pd[i,j]·dO_i ; dP[i,j] = factor·(dO_i · V_j)
                float pd = pRow[j] * factor;
                if (pd != 0f) TensorPrimitives.MultiplyAdd(dOi, pd, dv.Slice(j * d, d), dv.Slice(j * d, d));
                dP[j] = factor == 0f ? 0f : factor * TensorPrimitives.Dot(dOi, v.Slice(j * d, d));
            }
            dS.Clear();
            Softmax.BackwardRow(dS, dP, pRow);
            var qi = q.Slice(i * d, d);
            var dqi = dq.Slice(i * d, d);
            for (int j = 0; j < length; j++)
            {
                float g = dS[j] * scale;
                if (g == 0f) continue;
                TensorPrimitives.MultiplyAdd(k.Slice(j * d, d), g, dqi, dqi);
                TensorPrimitives.MultiplyAdd(qi, g, dk.Slice(j * d, d), dk.Slice(j * d, d));
            }
        }

        for (int i = 0; i < length; i++)
        {
            float* row = dQkv + (nint)(start + i) * stride + h * d;
            var dqRow = new Span<float>(row, d);
            var dkRow = new Span<float>(row + hidden, d);
            var dvRow = new Span<float>(row + 2 * hidden, d);
            TensorPrimitives.Add(dqRow, dq.Slice(i * d, d), dqRow);
            TensorPrimitives.Add(dkRow, dk.Slice(i * d, d), dkRow);
            TensorPrimitives.Add(dvRow, dv.Slice(i * d, d), dvRow);
        }
    }
}
