using SemanticSearch.Training.Optimization;
using SemanticSearch.Model.Configuration;
using SemanticSearch.Model.Weights;
using SemanticSearch.Tensors;

namespace SemanticSearch.Training.Encoder;

/// <summary>
/// BERT forward with saved activations and its backward, over packed sequences (no padding), for the training
/// graphs. The forward runs the same kernels in the same order as the inference encoder, so with dropout off it
/// reproduces its hidden states bit for bit. Dropout follows HF BertModel: after the embedding LayerNorm, on the
/// attention probabilities, after the attention output projection and after the FFN output projection.
/// </summary>
internal sealed class BertTrainingCore
{
    private readonly BertConfig _config;
    private readonly BertWeights _weights;
    private readonly TrainingGraphOptions _options;
    private readonly float _eps;
    private readonly BertActivations _a = new();
    private ulong _forwardStep;   // DropoutStep the saved activations were made with
    private bool _forwardTraining;
    private bool _haveActivations;

    public BertTrainingCore(BertConfig config, BertWeights weights, TrainingGraphOptions options)
    {
        if (!(options.HiddenDropout >= 0 && options.HiddenDropout < 1) || !(options.AttentionDropout >= 0 && options.AttentionDropout < 1))
            throw new ArgumentOutOfRangeException(nameof(options), "dropout rates must be in [0, 1)");
        _config = config;
        _weights = weights;
        _options = options;
        // From now on the optimizer changes these arrays in place: inference must not keep packed copies of them.
        weights.MarkTrainable();
        _eps = (float)config.LayerNormEps; // as the inference encoder: torch applies eps in float32
        Embeddings =
        [
            new("embeddings.word_embeddings.weight", [config.VocabSize, config.HiddenSize], weights.WordEmbeddings),
            new("embeddings.position_embeddings.weight", [config.MaxPositionEmbeddings, config.HiddenSize], weights.PositionEmbeddings),
            new("embeddings.token_type_embeddings.weight", [config.TypeVocabSize, config.HiddenSize], weights.TokenTypeEmbeddings),
            new("embeddings.LayerNorm.weight", [config.HiddenSize], weights.EmbeddingLayerNormWeight),
            new("embeddings.LayerNorm.bias", [config.HiddenSize], weights.EmbeddingLayerNormBias),
        ];
        Layers = weights.Layers.Select((l, i) => new LayerParameters(l, i, config)).ToArray();
        Parameters = Embeddings.Concat(Layers.SelectMany(l => l.All)).ToArray();
    }

    public BertConfig Config => _config;
    public TrainableParameter[] Embeddings { get; }
    public LayerParameters[] Layers { get; }
    public TrainableParameter[] Parameters { get; }
    public ulong DropoutStep { get; set; }
    public int Tokens { get; private set; }
    public ReadOnlySpan<int> Offsets => _a.Offsets.AsSpan(0, Sequences + 1);
    public int Sequences { get; private set; }
    /// <summary>[T,H] last hidden state of the latest forward.</summary>
    public ReadOnlySpan<float> Output => _a.Output.AsSpan(0, Tokens * _config.HiddenSize);

    private DropoutMask Mask(int site, float p) =>
        _forwardTraining && p > 0 ? new DropoutMask(DropoutMask.DeriveKey(_options.Seed, _forwardStep, (ulong)site), p) : DropoutMask.None;
    private static int AttentionProbsSite(int layer) => 1 + 3 * layer;
    private static int AttentionOutputSite(int layer) => 2 + 3 * layer;
    private static int FeedForwardSite(int layer) => 3 + 3 * layer;

    /// <summary>Packs the sequences and runs the forward, keeping activations. Training mode consumes one DropoutStep.</summary>
    public void Forward(IReadOnlyList<int[]> idSequences, int maxSeqLength, bool training)
    {
        ArgumentNullException.ThrowIfNull(idSequences);
        if (idSequences.Count == 0) throw new ArgumentException("a batch needs at least one sequence", nameof(idSequences));
        int tokens = 0;
        for (int i = 0; i < idSequences.Count; i++)
        {
            var ids = idSequences[i] ?? throw new ArgumentNullException($"idSequences[{i}]");
            if (ids.Length < 1 || ids.Length > maxSeqLength)
                throw new ArgumentException($"idSequences[{i}] has {ids.Length} tokens; must be between 1 and max_seq_length {maxSeqLength}");
            foreach (int id in ids)
                if ((uint)id >= (uint)_config.VocabSize) throw new ArgumentException($"idSequences[{i}] contains token id {id}, outside the vocabulary [0, {_config.VocabSize})");
            tokens += ids.Length;
        }
        int s = idSequences.Count, h = _config.HiddenSize, inter = _config.IntermediateSize, heads = _config.NumAttentionHeads;
        Tokens = tokens;
        Sequences = s;
        var packed = BertActivations.Grow(ref _a.Ids, tokens);
        var positions = BertActivations.Grow(ref _a.Positions, tokens);
        var types = BertActivations.Grow(ref _a.Types, tokens);
        var offsets = BertActivations.Grow(ref _a.Offsets, s + 1);
        types.Clear();
        offsets[0] = 0;
        for (int i = 0, t = 0; i < s; i++)
        {
            var ids = idSequences[i];
            ids.CopyTo(packed.Slice(t));
            for (int j = 0; j < ids.Length; j++) positions[t + j] = j;
            t += ids.Length;
            offsets[i + 1] = t;
        }

        _forwardTraining = training;
        _forwardStep = DropoutStep;
        if (training) DropoutStep++;
        if (_a.Layers.Length != Layers.Length) _a.Layers = Layers.Select(_ => new LayerActivations()).ToArray();
        int th = tokens * h;

        var sum = BertActivations.Grow(ref _a.EmbeddingSum, th);
        var scratch = BertActivations.Grow(ref _a.Scratch, th);
        Tensors.Embeddings.Forward(sum, packed, positions, types, _weights.WordEmbeddings, _weights.PositionEmbeddings, _weights.TokenTypeEmbeddings, h);
        LayerNorm.Forward(scratch, BertActivations.Grow(ref _a.EmbeddingMean, tokens), BertActivations.Grow(ref _a.EmbeddingRstd, tokens),
            sum, _weights.EmbeddingLayerNormWeight, _weights.EmbeddingLayerNormBias, tokens, h, _eps);
        var firstInput = Layers.Length > 0 ? BertActivations.Grow(ref _a.Layers[0].Input, th) : BertActivations.Grow(ref _a.Output, th);
        Dropout.Forward(firstInput, scratch, Mask(0, _options.HiddenDropout));

        for (int l = 0; l < Layers.Length; l++)
        {
            var w = _weights.Layers[l];
            var act = _a.Layers[l];
            var input = act.Input.AsSpan(0, th);
            var qkv = BertActivations.Grow(ref act.Qkv, 3L * th);
            var context = BertActivations.Grow(ref act.Context, th);
            var probs = BertActivations.Grow(ref act.Probs, Attention.ProbsLength(offsets, heads));
            Linear.Forward(qkv, input, w.QkvWeight, w.QkvBias, tokens, h, 3 * h);
            Attention.Forward(context, probs, qkv, offsets, heads, h, Mask(AttentionProbsSite(l), _options.AttentionDropout));
            Linear.Forward(scratch, context, w.AttentionOutputWeight, w.AttentionOutputBias, tokens, h, h);
            Dropout.Forward(scratch, scratch, Mask(AttentionOutputSite(l), _options.HiddenDropout));
            var attentionSum = BertActivations.Grow(ref act.AttentionSum, th);
            Residual.Forward(attentionSum, scratch, input);
            var attentionOut = BertActivations.Grow(ref act.AttentionOut, th);
            LayerNorm.Forward(attentionOut, BertActivations.Grow(ref act.AttentionMean, tokens), BertActivations.Grow(ref act.AttentionRstd, tokens),
                attentionSum, w.AttentionLayerNormWeight, w.AttentionLayerNormBias, tokens, h, _eps);

            var pre = BertActivations.Grow(ref act.PreActivation, (long)tokens * inter);
            var activated = BertActivations.Grow(ref act.Activation, (long)tokens * inter);
            Linear.Forward(pre, attentionOut, w.IntermediateWeight, w.IntermediateBias, tokens, h, inter);
            Activation.Forward(_config.HiddenAct, activated, pre);
            Linear.Forward(scratch, activated, w.OutputWeight, w.OutputBias, tokens, inter, h);
            Dropout.Forward(scratch, scratch, Mask(FeedForwardSite(l), _options.HiddenDropout));
            var outputSum = BertActivations.Grow(ref act.OutputSum, th);
            Residual.Forward(outputSum, scratch, attentionOut);
            var next = l + 1 < Layers.Length ? BertActivations.Grow(ref _a.Layers[l + 1].Input, th) : BertActivations.Grow(ref _a.Output, th);
            LayerNorm.Forward(next, BertActivations.Grow(ref act.OutputMean, tokens), BertActivations.Grow(ref act.OutputRstd, tokens),
                outputSum, w.OutputLayerNormWeight, w.OutputLayerNormBias, tokens, h, _eps);
        }
        _haveActivations = true;
    }

    /// <summary>
    /// Backward from dOutput [T,H] (the gradient of the last hidden state), accumulating into the Grad of every
    /// non-frozen parameter. Stops at the lowest layer that still has something to train.
    /// </summary>
    public void Backward(ReadOnlySpan<float> dOutput)
    {
        if (!_haveActivations) throw new InvalidOperationException("Backward needs a Forward first (one Backward per Forward)");
        _haveActivations = false;
        int tokens = Tokens, h = _config.HiddenSize, inter = _config.IntermediateSize, heads = _config.NumAttentionHeads, th = tokens * h;
        if (dOutput.Length != th) throw new ArgumentException($"dOutput has {dOutput.Length} floats, expected T·H = {tokens}·{h}", nameof(dOutput));
        bool embeddingsTrain = Embeddings.Any(p => !p.Frozen);
        int lowest = embeddingsTrain ? 0 : Array.FindIndex(Layers, l => l.All.Any(p => !p.Frozen));
        if (lowest < 0) return; // everything frozen

        var offsets = Offsets;
        var dHidden = BertActivations.Grow(ref _a.DHidden, th);
        dOutput.CopyTo(dHidden);
        var dLn = BertActivations.Grow(ref _a.DLnInput, th);
        var dResidual = BertActivations.Grow(ref _a.DResidual, th);
        var dBranch = BertActivations.Grow(ref _a.DBranch, th);
        var dContext = BertActivations.Grow(ref _a.DContext, th);
        var dQkv = BertActivations.Grow(ref _a.DQkv, 3L * th);
        var dInter = BertActivations.Grow(ref _a.DIntermediate, (long)tokens * inter);
        var dPre = BertActivations.Grow(ref _a.DPreActivation, (long)tokens * inter);

        for (int l = Layers.Length - 1; l >= lowest; l--)
        {
            var w = _weights.Layers[l];
            var p = Layers[l];
            var act = _a.Layers[l];
            // h' = LN2(dropout(dense(act)) + x1)
            dLn.Clear();
            LayerNorm.Backward(dLn, p.OutputLayerNormWeight.GradientsOrEmpty, p.OutputLayerNormBias.GradientsOrEmpty, dHidden,
                act.OutputSum.AsSpan(0, th), w.OutputLayerNormWeight, act.OutputMean.AsSpan(0, tokens), act.OutputRstd.AsSpan(0, tokens), tokens, h);
            dLn.CopyTo(dResidual); // residual path to x1
            dBranch.Clear();
            Dropout.Backward(dBranch, dLn, Mask(FeedForwardSite(l), _options.HiddenDropout));
            dInter.Clear();
            Linear.Backward(dInter, p.OutputWeight.GradientsOrEmpty, p.OutputBias.GradientsOrEmpty, dBranch, act.Activation.AsSpan(0, tokens * inter), w.OutputWeight, tokens, inter, h);
            dPre.Clear();
            Activation.Backward(_config.HiddenAct, dPre, dInter, act.PreActivation.AsSpan(0, tokens * inter));
            Linear.Backward(dResidual, p.IntermediateWeight.GradientsOrEmpty, p.IntermediateBias.GradientsOrEmpty, dPre, act.AttentionOut.AsSpan(0, th), w.IntermediateWeight, tokens, h, inter);

            // x1 = LN1(dropout(dense(attention(qkv(x)))) + x)
            dLn.Clear();
            LayerNorm.Backward(dLn, p.AttentionLayerNormWeight.GradientsOrEmpty, p.AttentionLayerNormBias.GradientsOrEmpty, dResidual,
                act.AttentionSum.AsSpan(0, th), w.AttentionLayerNormWeight, act.AttentionMean.AsSpan(0, tokens), act.AttentionRstd.AsSpan(0, tokens), tokens, h);
            dLn.CopyTo(dHidden); // residual path to x
            dBranch.Clear();
            Dropout.Backward(dBranch, dLn, Mask(AttentionOutputSite(l), _options.HiddenDropout));
            dContext.Clear();
            Linear.Backward(dContext, p.AttentionOutputWeight.GradientsOrEmpty, p.AttentionOutputBias.GradientsOrEmpty, dBranch, act.Context.AsSpan(0, th), w.AttentionOutputWeight, tokens, h, h);
            dQkv.Clear();
            Attention.Backward(dQkv, dContext, act.Qkv.AsSpan(0, 3 * th), act.Probs.AsSpan(0, Attention.ProbsLength(offsets, heads)), offsets, heads, h,
                Mask(AttentionProbsSite(l), _options.AttentionDropout));
            bool below = l > lowest || embeddingsTrain;
            Linear.Backward(below ? dHidden : Span<float>.Empty, p.QkvWeight.GradientsOrEmpty, p.QkvBias.GradientsOrEmpty, dQkv, act.Input.AsSpan(0, th), w.QkvWeight, tokens, h, 3 * h);
        }
        if (!embeddingsTrain) return;

        // h0 = dropout(LN(word + type + position))
        dBranch.Clear();
        Dropout.Backward(dBranch, dHidden, Mask(0, _options.HiddenDropout));
        dLn.Clear();
        LayerNorm.Backward(dLn, Embeddings[3].GradientsOrEmpty, Embeddings[4].GradientsOrEmpty, dBranch, _a.EmbeddingSum.AsSpan(0, th),
            _weights.EmbeddingLayerNormWeight, _a.EmbeddingMean.AsSpan(0, tokens), _a.EmbeddingRstd.AsSpan(0, tokens), tokens, h);
        Tensors.Embeddings.Backward(Embeddings[0].GradientsOrEmpty, Embeddings[1].GradientsOrEmpty, Embeddings[2].GradientsOrEmpty, dLn,
            _a.Ids.AsSpan(0, tokens), _a.Positions.AsSpan(0, tokens), _a.Types.AsSpan(0, tokens), h);
    }
}

/// <summary>The trainable tensors of one encoder layer, HF names, sharing the layer's weight arrays.</summary>
internal sealed class LayerParameters
{
    public LayerParameters(BertLayerWeights w, int index, BertConfig config)
    {
        int h = config.HiddenSize, inter = config.IntermediateSize;
        string p = $"encoder.layer.{index}.";
        QkvWeight = new(p + "attention.self.qkv.weight", [3 * h, h], w.QkvWeight);
        QkvBias = new(p + "attention.self.qkv.bias", [3 * h], w.QkvBias);
        AttentionOutputWeight = new(p + "attention.output.dense.weight", [h, h], w.AttentionOutputWeight);
        AttentionOutputBias = new(p + "attention.output.dense.bias", [h], w.AttentionOutputBias);
        AttentionLayerNormWeight = new(p + "attention.output.LayerNorm.weight", [h], w.AttentionLayerNormWeight);
        AttentionLayerNormBias = new(p + "attention.output.LayerNorm.bias", [h], w.AttentionLayerNormBias);
        IntermediateWeight = new(p + "intermediate.dense.weight", [inter, h], w.IntermediateWeight);
        IntermediateBias = new(p + "intermediate.dense.bias", [inter], w.IntermediateBias);
        OutputWeight = new(p + "output.dense.weight", [h, inter], w.OutputWeight);
        OutputBias = new(p + "output.dense.bias", [h], w.OutputBias);
        OutputLayerNormWeight = new(p + "output.LayerNorm.weight", [h], w.OutputLayerNormWeight);
        OutputLayerNormBias = new(p + "output.LayerNorm.bias", [h], w.OutputLayerNormBias);
        All = [QkvWeight, QkvBias, AttentionOutputWeight, AttentionOutputBias, AttentionLayerNormWeight, AttentionLayerNormBias,
            IntermediateWeight, IntermediateBias, OutputWeight, OutputBias, OutputLayerNormWeight, OutputLayerNormBias];
    }

    public TrainableParameter QkvWeight { get; }
    public TrainableParameter QkvBias { get; }
    public TrainableParameter AttentionOutputWeight { get; }
    public TrainableParameter AttentionOutputBias { get; }
    public TrainableParameter AttentionLayerNormWeight { get; }
    public TrainableParameter AttentionLayerNormBias { get; }
    public TrainableParameter IntermediateWeight { get; }
    public TrainableParameter IntermediateBias { get; }
    public TrainableParameter OutputWeight { get; }
    public TrainableParameter OutputBias { get; }
    public TrainableParameter OutputLayerNormWeight { get; }
    public TrainableParameter OutputLayerNormBias { get; }
    public TrainableParameter[] All { get; }
}

/// <summary>The configured feed-forward activation and its derivative.</summary>
internal static class Activation
{
    public static void Forward(HiddenActivation kind, Span<float> output, ReadOnlySpan<float> input)
    {
        switch (kind)
        {
            case HiddenActivation.Gelu: Gelu.Forward(output, input); break;
            case HiddenActivation.GeluTanh: GeluTanh.Forward(output, input); break;
            case HiddenActivation.Relu: Relu.Forward(output, input); break;
            default: throw new InvalidOperationException($"unhandled activation {kind}");
        }
    }

    public static void Backward(HiddenActivation kind, Span<float> dInput, ReadOnlySpan<float> dOutput, ReadOnlySpan<float> input)
    {
        switch (kind)
        {
            case HiddenActivation.Gelu: Gelu.Backward(dInput, dOutput, input); break;
            case HiddenActivation.GeluTanh: GeluTanh.Backward(dInput, dOutput, input); break;
            case HiddenActivation.Relu: Relu.Backward(dInput, dOutput, input); break;
            default: throw new InvalidOperationException($"unhandled activation {kind}");
        }
    }
}
