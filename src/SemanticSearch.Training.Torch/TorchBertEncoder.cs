using SemanticSearch.Model;
using SemanticSearch.Model.Configuration;
using SemanticSearch.Tensors;
using SemanticSearch.Training.Encoder;
using SemanticSearch.Training.Optimization;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SemanticSearch.Training.Torch;

/// <summary>
/// The sentence-transformers pipeline (BERT → pooling → optional Normalize) in libtorch, on padded batches as
/// sentence-transformers runs it, with autograd doing the backward. The weights come from a loaded
/// <see cref="SentenceEncoder"/>, so every layout its loader reads (safetensors or pytorch_model.bin, `bert.`-prefixed,
/// separate or fused Q/K/V) arrives here the same way: one device tensor per managed <see cref="TrainableParameter"/>
/// (same HF names and shapes, Q/K/V fused [3H, H]). <see cref="CopyToManaged"/> writes them back into the encoder's
/// arrays, so the managed engine saves (and serves) the trained model in the same folder layout.
/// Dropout follows HF BertModel's four sites; its masks are drawn from a generator seeded by (Seed, DropoutStep), so
/// setting <see cref="DropoutStep"/> back replays a forward exactly (GradCache, resume) on any device.
/// </summary>
public sealed class TorchBertEncoder : IDisposable
{
    private readonly SentenceEncoder _encoder;
    private readonly BertConfig _config;
    private readonly TrainingGraphOptions _options;
    private readonly IReadOnlyList<PoolingMode> _modes;
    private readonly Dictionary<string, Tensor> _tensors = new(StringComparer.Ordinal);
    private Generator? _dropout;

    public TorchBertEncoder(SentenceEncoder encoder, TrainingGraphOptions options, Device device)
    {
        _encoder = encoder;
        _config = encoder.Transformer.Config;
        _options = options;
        _modes = encoder.Pooling.Config.Modes;
        Device = device;
        // The managed graph names the parameters and shares the encoder's arrays (and marks them trainable).
        Graph = new SentenceEncoderTrainingGraph(encoder, options);
        using (no_grad())
            foreach (var p in Graph.Parameters)
                _tensors[p.Name] = tensor(p.Values, p.Shape.Select(d => (long)d).ToArray(), dtype: ScalarType.Float32, device: device)
                    .requires_grad_(true).DetachFromDisposeScope();
    }

    public Device Device { get; }
    public SentenceEncoder Encoder => _encoder;
    /// <summary>The managed graph: parameter names, shapes, frozen flags, and the arrays <see cref="CopyToManaged"/> fills.</summary>
    public SentenceEncoderTrainingGraph Graph { get; }
    public int Dimension => _encoder.Dimension;
    public ulong DropoutStep { get; set; }

    /// <summary>The device tensor of a managed parameter (same name).</summary>
    public Tensor this[string name] => _tensors[name];

    /// <summary>Frozen parameters get no gradient in torch either.</summary>
    public void SyncFrozen()
    {
        foreach (var p in Graph.Parameters) _tensors[p.Name].requires_grad_(!p.Frozen);
    }

    /// <summary>
    /// [S, D] pipeline output. Training mode draws dropout masks for this DropoutStep and advances it. The caller owns
    /// the dispose scope of the result.
    /// </summary>
    public Tensor Forward(IReadOnlyList<int[]> idSequences, bool training)
    {
        if (idSequences.Count == 0) throw new ArgumentException("no sequences to embed", nameof(idSequences));
        int s = idSequences.Count, len = idSequences.Max(x => x.Length), h = _config.HiddenSize;
        if (len > _encoder.MaxSeqLength) throw new ArgumentException($"a sequence has {len} tokens, max_seq_length is {_encoder.MaxSeqLength}");
        var ids = new long[s * len];
        var maskValues = new float[s * len];
        for (int i = 0; i < s; i++)
            for (int t = 0; t < idSequences[i].Length; t++)
            {
                ids[i * len + t] = idSequences[i][t];
                maskValues[i * len + t] = 1;
            }
        _dropout = training ? new Generator(DropoutSeed(_options.Seed, DropoutStep), Device) : null;
        if (training) DropoutStep++;

        var idTensor = tensor(ids, [s, len], device: Device);
        var mask = tensor(maskValues, [s, len], device: Device);                 // [S, L] 1 = token, 0 = padding
        // Padded keys get −∞ before the softmax: exp(−∞) = 0 exactly, so a text attends to its own tokens only.
        var keyBias = zeros_like(mask).masked_fill(mask.eq(0), float.NegativeInfinity).view(s, 1, 1, len);

        // Embeddings: word + position + token type 0, LayerNorm, dropout.                                 [S, L, H]
        var x = this["embeddings.word_embeddings.weight"].index_select(0, idTensor.view(-1)).view(s, len, h)
                + this["embeddings.position_embeddings.weight"].narrow(0, 0, len).unsqueeze(0)
                + this["embeddings.token_type_embeddings.weight"].narrow(0, 0, 1).unsqueeze(0);
        x = Dropout(LayerNorm(x, "embeddings.LayerNorm"), _options.HiddenDropout);

        int heads = _config.NumAttentionHeads, hd = _config.HeadSize;
        double scale = 1.0 / Math.Sqrt(hd);
        for (int l = 0; l < _config.NumHiddenLayers; l++)
        {
            string p = $"encoder.layer.{l}.";
            // Fused projection [S, L, 3H] → q, k, v [S, heads, L, hd] (the [3H, H] weight is Q rows, then K, then V).
            var qkv = F.linear(x, this[p + "attention.self.qkv.weight"], this[p + "attention.self.qkv.bias"])
                .view(s, len, 3, heads, hd).permute(2, 0, 3, 1, 4);
            var (q, k, v) = (qkv[0], qkv[1], qkv[2]);
            var probs = F.softmax(q.matmul(k.transpose(-1, -2)).mul(scale) + keyBias, -1);      // [S, heads, L, L]
            probs = Dropout(probs, _options.AttentionDropout);
            var context = probs.matmul(v).permute(0, 2, 1, 3).reshape(s, len, h);              // [S, L, H]
            var attention = Dropout(F.linear(context, this[p + "attention.output.dense.weight"], this[p + "attention.output.dense.bias"]), _options.HiddenDropout);
            x = LayerNorm(attention + x, p + "attention.output.LayerNorm");
            var inner = Activation(F.linear(x, this[p + "intermediate.dense.weight"], this[p + "intermediate.dense.bias"])); // [S, L, I]
            var output = Dropout(F.linear(inner, this[p + "output.dense.weight"], this[p + "output.dense.bias"]), _options.HiddenDropout);
            x = LayerNorm(output + x, p + "output.LayerNorm");
        }

        var pooled = _modes.Count == 1 ? Pool(_modes[0], x, mask) : cat(_modes.Select(m => Pool(m, x, mask)).ToArray(), 1); // [S, D]
        return _encoder.Normalizes ? F.normalize(pooled, p: 2, dim: 1) : pooled;
    }

    /// <summary>Inference embeddings as a managed row-major [S, D] array.</summary>
    public float[] Embed(IReadOnlyList<int[]> idSequences)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return Forward(idSequences, training: false).cpu().data<float>().ToArray();
    }

    /// <summary>Writes the device weights into the managed encoder's arrays (for saving, checkpoints, the managed engine).</summary>
    public void CopyToManaged(IEnumerable<TrainableParameter>? only = null)
    {
        using var scope = NewDisposeScope();
        foreach (var p in only ?? Graph.Parameters)
            _tensors[p.Name].detach().cpu().data<float>().CopyTo(p.Values);
        _encoder.InvalidateFingerprint();
    }

    /// <summary>Loads managed arrays into the device weights (resume, restoring the best weights).</summary>
    public void CopyFromManaged(IEnumerable<TrainableParameter> parameters)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        foreach (var p in parameters)
            _tensors[p.Name].copy_(tensor(p.Values, p.Shape.Select(d => (long)d).ToArray(), dtype: ScalarType.Float32, device: Device));
    }

    private Tensor LayerNorm(Tensor x, string prefix) =>
        F.layer_norm(x, [_config.HiddenSize], this[prefix + ".weight"], this[prefix + ".bias"], _config.LayerNormEps);

    private Tensor Activation(Tensor x) => _config.HiddenAct switch
    {
        HiddenActivation.Gelu => F.gelu(x),
        // tanh approximation: 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³)))
        HiddenActivation.GeluTanh => x.mul(0.5).mul(x.add(x.pow(3).mul(0.044715)).mul(Math.Sqrt(2 / Math.PI)).tanh().add(1)),
        HiddenActivation.Relu => F.relu(x),
        _ => throw new NotSupportedException($"activation {_config.HiddenAct}"),
    };

    /// <summary>Inverted dropout with a mask from this forward's generator (identity outside training or at p = 0).</summary>
    private Tensor Dropout(Tensor x, float p)
    {
        if (_dropout is null || p <= 0) return x;
        var keep = rand(x.shape, generator: _dropout, device: Device).ge(p);
        return x.mul(keep).div(1 - p);
    }

    /// <summary>sentence-transformers' Pooling over the attention mask: [S, L, H] → [S, H].</summary>
    private static Tensor Pool(PoolingMode mode, Tensor x, Tensor mask)
    {
        var m = mask.unsqueeze(-1);                                                   // [S, L, 1]
        var lengths = mask.sum(1, keepdim: true).clamp_min(1e-9);                    // [S, 1]
        return mode switch
        {
            PoolingMode.Cls => x.select(1, 0),
            PoolingMode.Mean => x.mul(m).sum(1).div(lengths),
            PoolingMode.MeanSqrtLen => x.mul(m).sum(1).div(lengths.sqrt()),
            PoolingMode.Max => x.masked_fill(m.eq(0), float.NegativeInfinity).amax([1]),
            _ => throw new NotSupportedException($"pooling mode {mode}"),
        };
    }

    /// <summary>A well-mixed 63-bit generator seed per (run seed, forward), so consecutive forwards get unrelated masks.</summary>
    internal static ulong DropoutSeed(ulong seed, ulong step)
    {
        ulong z = seed * 0x9E3779B97F4A7C15UL + step + 0x632BE59BD9B4E019UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (z ^ (z >> 31)) >> 1;
    }

    public void Dispose()
    {
        foreach (var t in _tensors.Values) t.Dispose();
        _tensors.Clear();
        _dropout?.Dispose();
    }
}
