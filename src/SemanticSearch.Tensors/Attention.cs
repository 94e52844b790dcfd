using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace SemanticSearch.Tensors;

/// <summary>
/// Multi-head self-attention core over packed variable-length sequences (no padding, no mask):
/// per sequence s and head h, P = softmax(Q·Kᵀ · 1/√d), O = P·V.
/// </summary>
public static partial class Attention
{
    /// <summary>Σ_s heads·L_s², the size of the saved probabilities.</summary>
    public static int ProbsLength(ReadOnlySpan<int> seqOffsets, int heads)
    {
        PackedSequences.Validate(seqOffsets, nameof(Attention));
        long total = 0;
        for (int s = 0; s + 1 < seqOffsets.Length; s++)
        {
            long length = seqOffsets[s + 1] - seqOffsets[s];
            total += heads * length * length;
        }
        return checked((int)total);
    }

    /// <summary>
    /// qkv [T, 3H]: per token q | k | v, each the concatenation of heads of size d = H/heads.
    /// output [T, H]: concatenation of the heads' outputs. probs [ProbsLength]: for sequence s,
    /// head h, the L×L matrix P at offset (Σ_{s'&lt;s} heads·L_{s'}²) + h·L², row i = query token i —
    /// saved for the backward pass; pass an empty span for inference.
    /// Work items (sequence, head) run in parallel; each only reads its own sequence, so a text's
    /// result never depends on the batch around it.
    /// </summary>
    public static void Forward(Span<float> output, Span<float> probs, ReadOnlySpan<float> qkv,
        ReadOnlySpan<int> seqOffsets, int heads, int hidden)
        => Forward(output, probs, qkv, seqOffsets, heads, hidden, DropoutMask.None);

    /// <summary>
    /// As above with dropout on the probabilities (HF BertSelfAttention): O = dropout(P)·V. probs keeps P before
    /// dropout; the mask index of P[s,h,i,j] is its offset in the probs layout, so <see cref="Backward"/> regenerates it.
    /// </summary>
    public static unsafe void Forward(Span<float> output, Span<float> probs, ReadOnlySpan<float> qkv,
        ReadOnlySpan<int> seqOffsets, int heads, int hidden, DropoutMask dropout)
    {
        const string K = nameof(Attention);
        if (heads <= 0 || hidden <= 0 || hidden % heads != 0)
            throw new ArgumentException($"{K}: hidden={hidden} must be a positive multiple of heads={heads}.", nameof(hidden));
        int tokens = PackedSequences.Validate(seqOffsets, K);
        PackedSequences.RequireLength(qkv.Length, 3L * tokens * hidden, K, nameof(qkv));
        PackedSequences.RequireLength(output.Length, (long)tokens * hidden, K, nameof(output));
        if (!probs.IsEmpty) PackedSequences.RequireLength(probs.Length, ProbsLength(seqOffsets, heads), K, nameof(probs));

        int sequences = seqOffsets.Length - 1;
        var offsets = seqOffsets.ToArray();
        var probsBase = new long[sequences];
        for (int s = 1; s < sequences; s++)
        {
            long previous = offsets[s] - offsets[s - 1];
            probsBase[s] = probsBase[s - 1] + heads * previous * previous;
        }

        fixed (float* po = output, pp = probs, pq = qkv)
        {
            nint o = (nint)po, p = probs.IsEmpty ? 0 : (nint)pp, q = (nint)pq;
            ComputeThreads.For(sequences * heads, item =>
            {
                int s = item / heads, h = item % heads;
                int length = offsets[s + 1] - offsets[s];
                if (length == 0) return;
                float* headProbs = p == 0 ? null : (float*)p + probsBase[s] + (long)h * length * length;
                long maskBase = probsBase[s] + (long)h * length * length;
                ForwardHead((float*)o, headProbs, (float*)q, offsets[s], length, h, heads, hidden, dropout, maskBase);
            });
        }
    }

    // One (sequence, head): scores row by row into P, softmax in place, then O = P·V.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void ForwardHead(float* output, float* probs, float* qkv, int start, int length, int h, int heads, int hidden,
        DropoutMask dropout, long maskBase)
    {
        int d = hidden / heads;
        int stride = 3 * hidden;
        int lp = (length + 7) & ~7; // keys padded to whole vectors
        int dp = (d + 7) & ~7;      // head dim padded to whole vectors
        float scale = 1f / MathF.Sqrt(d);
        float* qBase = qkv + (nint)start * stride + h * d;
        float* kBase = qBase + hidden;
        float* vBase = qBase + 2 * hidden;

        // Kᵀ [d, lp] zero-padded so every score lane runs the same FMA chain. Short sequences make this
        // per-(sequence, head) setup a large share of the work, so it is done 8×8 in registers.
        float* kt = ScratchBuffers.Get(ScratchBuffers.AttentionKeys, d * lp);
        float* scores = ScratchBuffers.Get(ScratchBuffers.AttentionScores, 4 * lp + (probs == null ? length * length : 0));
        float* p = probs != null ? probs : scores + 4 * lp;
        TransposeKeys(kBase, stride, length, d, kt, lp);
        // V [length, dp]: when d is whole vectors, read V in place from qkv (same loads, same FMA chains);
        // otherwise copy it zero-padded.
        float* v = vBase;
        nint vStride = stride;
        if (dp != d)
        {
            v = ScratchBuffers.Get(ScratchBuffers.AttentionValues, length * dp);
            vStride = dp;
            for (int j = 0; j < length; j++)
            {
                for (int c = 0; c < d; c++) v[j * dp + c] = vBase[(nint)j * stride + c];
                for (int c = d; c < dp; c++) v[j * dp + c] = 0f;
            }
        }

        // Query rows four at a time: scores[r, j] = (Σ_c q_{i0+r}[c]·k_j[c]) · scale, c ascending.
        for (int i0 = 0; i0 < length; i0 += 4)
        {
            int rows = Math.Min(4, length - i0);
            if (rows == 4) ScoreFourRows(qBase + (nint)i0 * stride, stride, kt, lp, d, scale, scores);
            else for (int r = 0; r < rows; r++) ScoreRow(qBase + (nint)(i0 + r) * stride, kt, lp, d, scale, scores + r * lp);

            for (int r = 0; r < rows; r++)
            {
                int i = i0 + r;
                float* rowScores = scores + r * lp;
                var row = new Span<float>(p + (nint)i * length, length);
                Softmax.ForwardRow(row, new ReadOnlySpan<float>(rowScores, length));
                if (dropout.IsActive)
                {
                    // This row's scores are consumed; reuse their buffer for the dropped row so the saved P stays pre-dropout.
                    long rowBase = maskBase + (long)i * length;
                    for (int j = 0; j < length; j++) rowScores[j] = row[j] * dropout.Factor(rowBase + j);
                    row = new Span<float>(rowScores, length);
                }
                WeightedValues(row, v, vStride, dp, d, output + (nint)(start + i) * hidden + h * d);
            }
        }
    }

    // kt[c·lp + j] = k_j[c] for j < length, 0 for length ≤ j < lp (pure data movement: no rounding).
    private static unsafe void TransposeKeys(float* kBase, nint stride, int length, int d, float* kt, int lp)
    {
        int j = 0;
        if (System.Runtime.Intrinsics.X86.Avx.IsSupported)
            for (; j + 8 <= length; j += 8)
            {
                int c = 0;
                for (; c + 8 <= d; c += 8) GemmPacking.Transpose8x8(kBase + j * stride + c, stride, kt + c * lp + j, lp);
                for (; c < d; c++)
                    for (int jj = j; jj < j + 8; jj++) kt[c * lp + jj] = kBase[jj * stride + c];
            }
        for (int c = 0; c < d; c++)
        {
            for (int jj = j; jj < length; jj++) kt[c * lp + jj] = kBase[jj * stride + c];
            for (int jj = length; jj < lp; jj++) kt[c * lp + jj] = 0f;
        }
    }

    // Every score is one FMA chain over c in ascending order, whichever of the two routines computes
    // it, so its bits never depend on grouping. Several independent chains per loop hide FMA latency
    // (a single chain runs at ~1/8 of the FMA peak).

    // Four query rows (q + r·stride) against all keys: four chains, each Kᵀ load shared by the rows.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void ScoreFourRows(float* q, int stride, float* kt, int lp, int d, float scale, float* scores)
    {
        float* q0 = q, q1 = q + stride, q2 = q1 + stride, q3 = q2 + stride;
        var scaleVector = Vector256.Create(scale);
        for (int jb = 0; jb < lp; jb += 8)
        {
            Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
            for (int c = 0; c < d; c++)
            {
                var k = Vector256.Load(kt + c * lp + jb);
                s0 = Vector256.FusedMultiplyAdd(Vector256.Create(q0[c]), k, s0);
                s1 = Vector256.FusedMultiplyAdd(Vector256.Create(q1[c]), k, s1);
                s2 = Vector256.FusedMultiplyAdd(Vector256.Create(q2[c]), k, s2);
                s3 = Vector256.FusedMultiplyAdd(Vector256.Create(q3[c]), k, s3);
            }
            (s0 * scaleVector).Store(scores + jb);
            (s1 * scaleVector).Store(scores + lp + jb);
            (s2 * scaleVector).Store(scores + 2 * lp + jb);
            (s3 * scaleVector).Store(scores + 3 * lp + jb);
        }
    }

    // One query row against all keys, four key blocks (32 keys) per pass.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void ScoreRow(float* qi, float* kt, int lp, int d, float scale, float* scores)
    {
        var scaleVector = Vector256.Create(scale);
        int jb = 0;
        for (; jb + 32 <= lp; jb += 32)
        {
            Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default;
            for (int c = 0; c < d; c++)
            {
                var qc = Vector256.Create(qi[c]);
                float* kc = kt + c * lp + jb;
                s0 = Vector256.FusedMultiplyAdd(qc, Vector256.Load(kc), s0);
                s1 = Vector256.FusedMultiplyAdd(qc, Vector256.Load(kc + 8), s1);
                s2 = Vector256.FusedMultiplyAdd(qc, Vector256.Load(kc + 16), s2);
                s3 = Vector256.FusedMultiplyAdd(qc, Vector256.Load(kc + 24), s3);
            }
            (s0 * scaleVector).Store(scores + jb);
            (s1 * scaleVector).Store(scores + jb + 8);
            (s2 * scaleVector).Store(scores + jb + 16);
            (s3 * scaleVector).Store(scores + jb + 24);
        }
        for (; jb < lp; jb += 8)
        {
            var acc = Vector256<float>.Zero;
            for (int c = 0; c < d; c++)
                acc = Vector256.FusedMultiplyAdd(Vector256.Create(qi[c]), Vector256.Load(kt + c * lp + jb), acc);
            (acc * scaleVector).Store(scores + jb);
        }
    }

    // out[c] = Σ_j P[j]·v_j[c], j ascending, 8 channels per vector, four channel blocks per pass.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void WeightedValues(ReadOnlySpan<float> row, float* v, nint vStride, int dp, int d, float* output)
    {
        int length = row.Length, cb = 0;
        for (; cb + 32 <= dp; cb += 32)
        {
            Vector256<float> o0 = default, o1 = default, o2 = default, o3 = default;
            for (int j = 0; j < length; j++)
            {
                var pj = Vector256.Create(row[j]);
                float* vj = v + j * vStride + cb;
                o0 = Vector256.FusedMultiplyAdd(pj, Vector256.Load(vj), o0);
                o1 = Vector256.FusedMultiplyAdd(pj, Vector256.Load(vj + 8), o1);
                o2 = Vector256.FusedMultiplyAdd(pj, Vector256.Load(vj + 16), o2);
                o3 = Vector256.FusedMultiplyAdd(pj, Vector256.Load(vj + 24), o3);
            }
            StoreValid(o0, output + cb, d - cb);
            StoreValid(o1, output + cb + 8, d - cb - 8);
            StoreValid(o2, output + cb + 16, d - cb - 16);
            StoreValid(o3, output + cb + 24, d - cb - 24);
        }
        for (; cb < dp; cb += 8)
        {
            var acc = Vector256<float>.Zero;
            for (int j = 0; j < length; j++)
                acc = Vector256.FusedMultiplyAdd(Vector256.Create(row[j]), Vector256.Load(v + j * vStride + cb), acc);
            StoreValid(acc, output + cb, d - cb);
        }
    }

    // Stores the first `valid` lanes (all 8 when valid ≥ 8): padded head channels are not written.
    private static unsafe void StoreValid(Vector256<float> value, float* destination, int valid)
    {
        if (valid >= 8) value.Store(destination);
        else for (int c = 0; c < valid; c++) destination[c] = value.GetElement(c);
    }
}
