using SemanticSearch.Model.Configuration;
using SemanticSearch.Model.Modules;
using SemanticSearch.Model.Weights;
using SemanticSearch.Tensors;
using SemanticSearch.Tokenization;

namespace SemanticSearch.Model;

/// <summary>Settings of a random-weight model; defaults give BERT's initialization and an all-MiniLM-like pipeline.</summary>
public sealed record RandomModelOptions
{
    public int Seed { get; init; } = 42;
    /// <summary>Standard deviation of weights and embeddings; BERT uses 0.02. Larger values make every op matter in tests.</summary>
    public double WeightStd { get; init; } = 0.02;
    public IReadOnlyList<PoolingMode> Pooling { get; init; } = new[] { PoolingMode.Mean };
    public bool Normalize { get; init; } = true;
    /// <summary>Truncation length; null means min(256, max_position_embeddings) as in all-MiniLM-L6-v2.</summary>
    public int? MaxSeqLength { get; init; }
    /// <summary>Tokenizer settings (lower-casing etc.) written to tokenizer_config.json.</summary>
    public TokenizerOptions? TokenizerOptions { get; init; }
}

/// <summary>
/// Creates a random-weight BERT sentence encoder in the sentence-transformers layout: the stand-in for
/// pretrained models in tests and benchmarks (none can be downloaded here), and the start of `model init`.
/// Initialization follows BERT: N(0, std) for linear weights and embeddings, zero biases, LayerNorm 1/0.
/// The same seed and shape always give the same weights.
/// </summary>
public static class RandomModelWriter
{
    /// <summary>Builds the model in memory; <paramref name="config"/>.VocabSize must equal the vocabulary's size.</summary>
    public static SentenceEncoder Create(string vocabPath, BertConfig config, RandomModelOptions? options = null)
    {
        options ??= new RandomModelOptions();
        config.Validate();
        var tokenizer = WordPieceTokenizer.FromVocabFile(vocabPath, options.TokenizerOptions);
        if (tokenizer.VocabSize != config.VocabSize)
            throw new ArgumentException($"{vocabPath} has {tokenizer.VocabSize} tokens but the config's vocab_size is {config.VocabSize}", nameof(config));
        if (!(options.WeightStd > 0)) throw new ArgumentException($"WeightStd must be positive, got {options.WeightStd}", nameof(options));

        var random = new GaussianSampler(options.Seed, options.WeightStd);
        int h = config.HiddenSize, inter = config.IntermediateSize;
        var layers = new BertLayerWeights[config.NumHiddenLayers];
        for (int i = 0; i < layers.Length; i++)
        {
            layers[i] = new BertLayerWeights
            {
                QkvWeight = random.Normal(3 * h * h),
                QkvBias = new float[3 * h],
                AttentionOutputWeight = random.Normal(h * h),
                AttentionOutputBias = new float[h],
                AttentionLayerNormWeight = Ones(h),
                AttentionLayerNormBias = new float[h],
                IntermediateWeight = random.Normal(inter * h),
                IntermediateBias = new float[inter],
                OutputWeight = random.Normal(h * inter),
                OutputBias = new float[h],
                OutputLayerNormWeight = Ones(h),
                OutputLayerNormBias = new float[h],
            };
        }
        var weights = new BertWeights
        {
            WordEmbeddings = random.Normal(config.VocabSize * h),
            PositionEmbeddings = random.Normal(config.MaxPositionEmbeddings * h),
            TokenTypeEmbeddings = random.Normal(config.TypeVocabSize * h),
            EmbeddingLayerNormWeight = Ones(h),
            EmbeddingLayerNormBias = new float[h],
            Layers = layers,
        };
        int maxSeqLength = options.MaxSeqLength ?? Math.Min(256, config.MaxPositionEmbeddings);
        var transformer = new TransformerModule(config, weights, tokenizer, maxSeqLength, doLowerCase: false);
        var pooling = new PoolingModule(PoolingConfig.Create(h, options.Pooling));
        return new SentenceEncoder(transformer, pooling, options.Normalize ? new NormalizeModule() : null);
    }

    /// <summary>Writes a random model to <paramref name="directory"/> and returns it.</summary>
    public static SentenceEncoder Write(string directory, string vocabPath, BertConfig config, RandomModelOptions? options = null)
    {
        var encoder = Create(vocabPath, config, options);
        encoder.Save(directory);
        return encoder;
    }

    private static float[] Ones(int n)
    {
        var a = new float[n];
        Array.Fill(a, 1f);
        return a;
    }

    /// <summary>Seeded normal samples (Box–Muller over System.Random's seeded, version-stable generator).</summary>
    private sealed class GaussianSampler(int seed, double std)
    {
        private readonly Random _random = new(seed);

        public float[] Normal(int count)
        {
            var values = new float[count];
            for (int i = 0; i < count; i += 2)
            {
                double u1 = 1.0 - _random.NextDouble(); // (0, 1]: log is finite
                double u2 = _random.NextDouble();
                double radius = std * Math.Sqrt(-2.0 * Math.Log(u1));
                values[i] = (float)(radius * Math.Cos(2 * Math.PI * u2));
                if (i + 1 < count) values[i + 1] = (float)(radius * Math.Sin(2 * Math.PI * u2));
            }
            return values;
        }
    }
}
