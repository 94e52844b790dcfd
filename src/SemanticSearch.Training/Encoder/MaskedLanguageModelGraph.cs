using SemanticSearch.Training.Optimization;
using SemanticSearch.Checkpoints;
using SemanticSearch.Model;
using SemanticSearch.Model.Modules;
using SemanticSearch.Tensors;

namespace SemanticSearch.Training.Encoder;

/// <summary>
/// BERT + the masked-language-model head of HF BertForMaskedLM, for `semsearch pretrain`:
///   z = dense(h) [M,H] → act → LayerNorm → logits = u·Eᵀ + bias [M,V], E = the word embeddings (tied),
///   loss = mean over masked positions of CE(logits, label).
/// Only the M masked positions go through the head (unmasked rows have no loss, so no logits are needed).
/// Shares the encoder's weights; the head is saved as HF's "cls.predictions.*" tensors in the same model.safetensors
/// (the encoder loader skips them; a later pretrain run picks them up through <see cref="LoadHead"/>).
/// </summary>
public sealed class MaskedLanguageModelGraph
{
    /// <summary>Label of positions without a loss (torch's CrossEntropyLoss ignore_index).</summary>
    public const int IgnoreLabel = -100;

    private readonly SentenceEncoder _encoder;
    private readonly BertTrainingCore _core;
    private readonly float _eps;
    private int[] _rows = [], _labels = [];            // [M] masked token rows and their labels
    private float[] _hm = [], _z = [], _a = [], _u = [], _mean = [], _rstd = [], _probs = []; // [M,H] ×4, [M] ×2, [M,V]
    private float[] _dU = [], _dA = [], _dZ = [], _dHm = [], _dHidden = [];
    private int _masked = -1; // M of the latest forward; -1: nothing to backward

    public MaskedLanguageModelGraph(SentenceEncoder encoder, TrainingGraphOptions options, ulong headSeed = 0)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        _encoder = encoder;
        var config = encoder.Transformer.Config;
        _core = new BertTrainingCore(config, encoder.Transformer.Weights, options);
        _eps = (float)config.LayerNormEps;
        int h = config.HiddenSize;
        // HF _init_weights: N(0, initializer_range) for the dense weight, zero biases, LayerNorm 1/0.
        var rng = new Random(unchecked((int)headSeed));
        var dense = new float[h * h];
        for (int i = 0; i < dense.Length; i++)
            dense[i] = (float)(config.InitializerRange * Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        var gamma = new float[h];
        Array.Fill(gamma, 1f);
        TransformDense = new("cls.predictions.transform.dense.weight", [h, h], dense);
        TransformBias = new("cls.predictions.transform.dense.bias", [h], new float[h]);
        TransformLayerNormWeight = new("cls.predictions.transform.LayerNorm.weight", [h], gamma);
        TransformLayerNormBias = new("cls.predictions.transform.LayerNorm.bias", [h], new float[h]);
        DecoderBias = new("cls.predictions.bias", [config.VocabSize], new float[config.VocabSize]);
        Head = [TransformDense, TransformBias, TransformLayerNormWeight, TransformLayerNormBias, DecoderBias];
        Parameters = _core.Parameters.Concat(Head).ToArray();
    }

    public TrainableParameter TransformDense { get; }
    public TrainableParameter TransformBias { get; }
    public TrainableParameter TransformLayerNormWeight { get; }
    public TrainableParameter TransformLayerNormBias { get; }
    /// <summary>The decoder's own bias [V]; its weight is the word-embedding table.</summary>
    public TrainableParameter DecoderBias { get; }
    public IReadOnlyList<TrainableParameter> Head { get; }
    /// <summary>The encoder's parameters (as in <see cref="SentenceEncoderTrainingGraph"/>), then the head's.</summary>
    public IReadOnlyList<TrainableParameter> Parameters { get; }
    public ulong DropoutStep { get => _core.DropoutStep; set => _core.DropoutStep = value; }

    /// <summary>
    /// labels[i][j] is the original id at a masked position of idSequences[i], or <see cref="IgnoreLabel"/>.
    /// Returns the mean cross-entropy over masked positions (0 when nothing is masked) and keeps activations for
    /// one <see cref="Backward"/>.
    /// </summary>
    public double Forward(IReadOnlyList<int[]> idSequences, IReadOnlyList<int[]> labels, bool training)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Count != idSequences.Count) throw new ArgumentException($"{labels.Count} label rows for {idSequences.Count} sequences", nameof(labels));
        var config = _core.Config;
        int h = config.HiddenSize, v = config.VocabSize;
        int m = 0;
        for (int i = 0; i < labels.Count; i++)
        {
            if (labels[i].Length != idSequences[i].Length) throw new ArgumentException($"labels[{i}] has {labels[i].Length} entries for {idSequences[i].Length} tokens");
            foreach (int label in labels[i])
            {
                if (label == IgnoreLabel) continue;
                if ((uint)label >= (uint)v) throw new ArgumentException($"labels[{i}] contains {label}, outside the vocabulary [0, {v}) and not {IgnoreLabel}");
                m++;
            }
        }
        _core.Forward(idSequences, _encoder.MaxSeqLength, training);
        _masked = m;
        if (m == 0) return 0;

        var rows = BertActivations.Grow(ref _rows, m);
        var targets = BertActivations.Grow(ref _labels, m);
        for (int i = 0, t = 0, k = 0; i < labels.Count; i++)
            for (int j = 0; j < labels[i].Length; j++, t++)
                if (labels[i][j] != IgnoreLabel) { rows[k] = t; targets[k++] = labels[i][j]; }

        var hidden = _core.Output;
        var hm = BertActivations.Grow(ref _hm, (long)m * h);
        for (int k = 0; k < m; k++) hidden.Slice(rows[k] * h, h).CopyTo(hm.Slice(k * h, h));
        var z = BertActivations.Grow(ref _z, (long)m * h);
        var a = BertActivations.Grow(ref _a, (long)m * h);
        var u = BertActivations.Grow(ref _u, (long)m * h);
        var probs = BertActivations.Grow(ref _probs, (long)m * v);
        Linear.Forward(z, hm, TransformDense.Values, TransformBias.Values, m, h, h);
        Activation.Forward(config.HiddenAct, a, z);
        LayerNorm.Forward(u, BertActivations.Grow(ref _mean, m), BertActivations.Grow(ref _rstd, m), a,
            TransformLayerNormWeight.Values, TransformLayerNormBias.Values, m, h, _eps);
        Linear.Forward(probs, u, _encoder.Transformer.Weights.WordEmbeddings, DecoderBias.Values, m, h, v);

        // CE from the logits, then the logits become probabilities in place (what the backward needs).
        double loss = 0;
        for (int k = 0; k < m; k++)
        {
            var row = probs.Slice(k * v, v);
            float max = System.Numerics.Tensors.TensorPrimitives.Max(row);
            double sum = 0;
            for (int j = 0; j < v; j++) sum += Math.Exp(row[j] - max);
            loss += Math.Log(sum) + max - row[targets[k]];
            Softmax.Forward(row, row, 1, v);
        }
        return loss / m;
    }

    /// <summary>Backpropagates the latest Forward's loss; accumulates into Grad of every non-frozen parameter (tied decoder → word embeddings).</summary>
    public void Backward()
    {
        if (_masked < 0) throw new InvalidOperationException("Backward needs a Forward first (one Backward per Forward)");
        int m = _masked;
        _masked = -1;
        var config = _core.Config;
        int h = config.HiddenSize, v = config.VocabSize;
        var dHidden = BertActivations.Grow(ref _dHidden, (long)_core.Tokens * h);
        dHidden.Clear();
        if (m > 0)
        {
            // dLogits = (softmax − onehot)/M, in place over the saved probabilities.
            var dLogits = _probs.AsSpan(0, m * v);
            float inv = 1f / m;
            for (int k = 0; k < m; k++) dLogits[k * v + _labels[k]] -= 1f;
            System.Numerics.Tensors.TensorPrimitives.Multiply(dLogits, inv, dLogits);

            var dU = BertActivations.Grow(ref _dU, (long)m * h);
            var dA = BertActivations.Grow(ref _dA, (long)m * h);
            var dZ = BertActivations.Grow(ref _dZ, (long)m * h);
            var dHm = BertActivations.Grow(ref _dHm, (long)m * h);
            dU.Clear(); dA.Clear(); dZ.Clear(); dHm.Clear();
            Linear.Backward(dU, _core.Embeddings[0].GradientsOrEmpty, DecoderBias.GradientsOrEmpty, dLogits, _u.AsSpan(0, m * h),
                _encoder.Transformer.Weights.WordEmbeddings, m, h, v);
            LayerNorm.Backward(dA, TransformLayerNormWeight.GradientsOrEmpty, TransformLayerNormBias.GradientsOrEmpty, dU, _a.AsSpan(0, m * h),
                TransformLayerNormWeight.Values, _mean.AsSpan(0, m), _rstd.AsSpan(0, m), m, h);
            Activation.Backward(config.HiddenAct, dZ, dA, _z.AsSpan(0, m * h));
            Linear.Backward(dHm, TransformDense.GradientsOrEmpty, TransformBias.GradientsOrEmpty, dZ, _hm.AsSpan(0, m * h), TransformDense.Values, m, h, h);
            for (int k = 0; k < m; k++)
                System.Numerics.Tensors.TensorPrimitives.Add(dHidden.Slice(_rows[k] * h, h), dHm.Slice(k * h, h), dHidden.Slice(_rows[k] * h, h));
        }
        _core.Backward(dHidden);
    }

    public void ZeroGrad()
    {
        foreach (var p in Parameters) Array.Clear(p.Gradients);
    }

    /// <summary>
    /// Saves the encoder (sentence-transformers layout) and rewrites its model.safetensors with the head added
    /// under HF BertForMaskedLM names (decoder weight tied, so not stored; "cls.predictions.decoder.bias" is the same
    /// tensor as "cls.predictions.bias" and is stored once, as HF's safetensors export does).
    /// </summary>
    public void Save(string directory)
    {
        _encoder.Save(directory);
        var transformer = _encoder.Transformer;
        var tensors = transformer.Weights.EnumerateNamed(transformer.Config).Select(t => new NamedTensor(t.Name, t.Shape, t.Data))
            .Concat(Head.Select(p => new NamedTensor(p.Name, p.Shape, p.Values)));
        SafeTensorsFile.Write(Path.Combine(directory, TransformerModule.SafeTensorsFileName), tensors, new Dictionary<string, string> { ["format"] = "pt" });
    }

    /// <summary>Copies "cls.predictions.*" tensors from a model folder's weights into the head; false when the folder has none.</summary>
    public bool LoadHead(string modelDirectory)
    {
        var tensors = CheckpointFolder.Read(modelDirectory);
        bool any = false;
        foreach (var p in Head)
        {
            if (!tensors.TryGetValue(p.Name, out var t) && !tensors.TryGetValue("bert." + p.Name, out t)) continue;
            if (t.Data.Length != p.Values.Length) throw new InvalidDataException($"{p.Name} has {t.Data.Length} values in {modelDirectory}, expected {p.Values.Length}");
            t.Data.CopyTo(p.Values, 0);
            any = true;
        }
        return any;
    }
}
