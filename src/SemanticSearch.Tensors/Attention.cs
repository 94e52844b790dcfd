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

        // Kᵀ [d, lp] and V [length, dp], zero-padded so every score / output lane runs the same FMA chain.
        float* kt = ScratchBuffers.Get(ScratchBuffers.AttentionKeys, d * lp);
        float* v = ScratchBuffers.Get(ScratchBuffers.AttentionValues, length * dp);
        float* scores = ScratchBuffers.Get(ScratchBuffers.AttentionScores, lp + (probs == null ? length * length : 0));
        float* p = probs != null ? probs : scores + lp;
        for (int c = 0; c < d; c++)
        {
            for (int j = 0; j < length; j++) kt[c * lp + j] = kBase[(nint)j * stride + c];
            for (int j = length; j < lp; j++) kt[c * lp + j] = 0f;
        }
        for (int j = 0; j < length; j++)
        {
            for (int c = 0; c < d; c++) v[j * dp + c] = vBase[(nint)j * stride + c];
            for (int c = d; c < dp; c++) v[j * dp + c] = 0f;
        }

        for (int i = 0; i < length; i++)
        {
            float* qi = qBase + (nint)i * stride;
            // scores[j] = (Σ_c q_i[c]·k_j[c]) · scale, c ascending, 8 keys per vector.
            for (int jb = 0; jb < lp; jb += 8)
            {
                var acc = Vector256<float>.Zero;
                for (int c = 0; c < d; c++)
                    acc = Vector256.FusedMultiplyAdd(Vector256.Create(qi[c]), Vector256.Load(kt + c * lp + jb), acc);
                (acc * Vector256.Create(scale)).Store(scores + jb);
            }
            var row = new Span<float>(p + (nint)i * length, length);
            Softmax.ForwardRow(row, new ReadOnlySpan<float>(scores, length));
            if (dropout.IsActive)
            {
                // The scores are consumed; reuse their buffer for the dropped row so the saved P stays pre-dropout.
                long rowBase = maskBase + (long)i * length;
                for (int j = 0; j < length; j++) scores[j] = row[j] * dropout.Factor(rowBase + j);
                row = new Span<float>(scores, length);
            }

            // out_i[c] = Σ_j P[i,j]·v_j[c], j ascending, 8 channels per vector.
            float* oi = output + (nint)(start + i) * hidden + h * d;
            for (int cb = 0; cb < dp; cb += 8)
            {
                var acc = Vector256<float>.Zero;
                for (int j = 0; j < length; j++)
                    acc = Vector256.FusedMultiplyAdd(Vector256.Create(row[j]), Vector256.Load(v + j * dp + cb), acc);
                int valid = Math.Min(8, d - cb);
                if (valid == 8) acc.Store(oi + cb);
                else for (int c = 0; c < valid; c++) oi[cb + c] = acc.GetElement(c);
            }
        }
    }
}
