using SemanticSearch.Training.Optimization;
using SemanticSearch.Model;
using SemanticSearch.Tensors;

namespace SemanticSearch.Training.Encoder;

/// <summary>
/// A sentence-transformers pipeline (BERT → pooling → optional Normalize) with a backward pass, for fine-tuning.
/// It shares the encoder's weight arrays: the optimizer updates them in place, and encoder.Save writes the trained
/// model. Forward keeps the activations of that one call; Backward consumes them. Not thread-safe (one graph per
/// training loop); the kernels inside use <see cref="ComputeThreads"/>.
/// </summary>
public sealed class SentenceEncoderTrainingGraph
{
    private readonly SentenceEncoder _encoder;
    private readonly BertTrainingCore _core;
    private readonly IReadOnlyList<PoolingMode> _modes;
    private float[] _pooled = [];      // [S,D] pooling output (Normalize input)
    private float[] _dPooled = [];     // [S,D]
    private float[] _dHidden = [];     // [T,H]
    private float[] _modeSlice = [];   // [S,H] one pooling mode's block (several modes only)
    private bool _haveForward;

    public SentenceEncoderTrainingGraph(SentenceEncoder encoder, TrainingGraphOptions options)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(options);
        _encoder = encoder;
        _core = new BertTrainingCore(encoder.Transformer.Config, encoder.Transformer.Weights, options);
        _modes = encoder.Pooling.Config.Modes;
        Parameters = _core.Parameters;
    }

    /// <summary>Embeddings first, then layer by layer (HF order; Q/K/V fused as "attention.self.qkv").</summary>
    public IReadOnlyList<TrainableParameter> Parameters { get; }
    public int Dimension => _encoder.Dimension;
    public SentenceEncoder Encoder => _encoder;

    /// <summary>
    /// The dropout RNG position: every training Forward uses masks keyed by (Seed, DropoutStep, site) and then
    /// increments it. Set it back to replay a forward exactly (gradient caching).
    /// </summary>
    public ulong DropoutStep { get => _core.DropoutStep; set => _core.DropoutStep = value; }

    /// <summary>
    /// Embeds <paramref name="idSequences"/> (each with [CLS]/[SEP], at most max_seq_length) and keeps the
    /// activations for one <see cref="Backward"/>. Returns [S, D]: pooled, then normalized if the model normalizes.
    /// With training=false there is no dropout and the result equals <see cref="SentenceEncoder.EncodeIds"/> bit for bit.
    /// </summary>
    public float[] Forward(IReadOnlyList<int[]> idSequences, bool training)
    {
        _core.Forward(idSequences, _encoder.MaxSeqLength, training);
        int s = _core.Sequences, h = _core.Config.HiddenSize, d = Dimension;
        var pooled = BertActivations.Grow(ref _pooled, (long)s * d);
        var hidden = _core.Output;
        if (_modes.Count == 1)
        {
            Pooling.Forward(_modes[0], pooled, hidden, _core.Offsets, h);
        }
        else
        {
            var single = BertActivations.Grow(ref _modeSlice, (long)s * h);
            for (int m = 0; m < _modes.Count; m++)
            {
                Pooling.Forward(_modes[m], single, hidden, _core.Offsets, h);
                for (int i = 0; i < s; i++) single.Slice(i * h, h).CopyTo(pooled.Slice(i * d + m * h, h));
            }
        }
        var result = new float[s * d];
        if (_encoder.Normalizes) L2Normalize.Forward(result, pooled, s, d);
        else pooled.CopyTo(result);
        _haveForward = true;
        return result;
    }

    /// <summary>dOutput [S, D] = dLoss/d(Forward's result); accumulates into Grad of every non-frozen parameter.</summary>
    public void Backward(ReadOnlySpan<float> dOutput)
    {
        if (!_haveForward) throw new InvalidOperationException("Backward needs a Forward first (one Backward per Forward)");
        _haveForward = false;
        int s = _core.Sequences, h = _core.Config.HiddenSize, d = Dimension;
        if (dOutput.Length != s * d) throw new ArgumentException($"dOutput has {dOutput.Length} floats, expected S·D = {s}·{d}", nameof(dOutput));
        var pooled = _pooled.AsSpan(0, s * d);
        var dPooled = BertActivations.Grow(ref _dPooled, (long)s * d);
        if (_encoder.Normalizes)
        {
            dPooled.Clear();
            L2Normalize.Backward(dPooled, dOutput, pooled, s, d);
        }
        else dOutput.CopyTo(dPooled);

        var dHidden = BertActivations.Grow(ref _dHidden, (long)_core.Tokens * h);
        dHidden.Clear();
        if (_modes.Count == 1)
        {
            Pooling.Backward(_modes[0], dHidden, dPooled, _core.Output, _core.Offsets, h);
        }
        else
        {
            var single = BertActivations.Grow(ref _modeSlice, (long)s * h);
            for (int m = 0; m < _modes.Count; m++)
            {
                for (int i = 0; i < s; i++) dPooled.Slice(i * d + m * h, h).CopyTo(single.Slice(i * h, h));
                Pooling.Backward(_modes[m], dHidden, single, _core.Output, _core.Offsets, h);
            }
        }
        _core.Backward(dHidden);
    }

    public void ZeroGrad()
    {
        foreach (var p in Parameters) Array.Clear(p.Gradients);
    }

    /// <summary>Freezes the word, position and token-type tables and the embedding LayerNorm.</summary>
    public void FreezeEmbeddings()
    {
        foreach (var p in _core.Embeddings) p.Frozen = true;
    }

    /// <summary>Freezes encoder layers 0..count-1 (the embeddings are separate: see <see cref="FreezeEmbeddings"/>).</summary>
    public void FreezeBottomLayers(int count)
    {
        if (count < 0 || count > _core.Layers.Length)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"the model has {_core.Layers.Length} layers");
        for (int l = 0; l < count; l++)
            foreach (var p in _core.Layers[l].All) p.Frozen = true;
    }

    /// <summary>The parameters the optimizer updates: all but the frozen ones (the same objects as <see cref="Parameters"/>).</summary>
    public IReadOnlyList<TrainableParameter> UnfrozenParameters() => Parameters.Where(p => !p.Frozen).ToList();
}
