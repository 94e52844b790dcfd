using SemanticSearch.Checkpoints;
using SemanticSearch.Checkpoints.Onnx;
using SemanticSearch.Model.Configuration;
using SemanticSearch.Model.Modules;
using SemanticSearch.Model.Weights;
using SemanticSearch.Tensors;
using SemanticSearch.Tokenization;

namespace SemanticSearch.Model.Import;

/// <summary>How an ONNX export becomes a sentence-transformers pipeline (the graph has only the BERT encoder).</summary>
public sealed record OnnxImportOptions
{
    public PoolingMode Pooling { get; init; } = PoolingMode.Mean;
    public bool Normalize { get; init; } = true;
    /// <summary>Truncation length; null means max_position_embeddings (sentence-transformers' default for a BERT tokenizer).</summary>
    public int? MaxSeqLength { get; init; }
    /// <summary>Text put before queries only (<see cref="SentenceEncoder.QueryPrefix"/>); null for none.</summary>
    public string? QueryPrefix { get; init; }
}

/// <summary>
/// Turns the BERT encoder of an ONNX export (<see cref="OnnxBertReader"/>) and a WordPiece vocabulary into a
/// <see cref="SentenceEncoder"/>, which <see cref="SentenceEncoder.Save"/> writes as an ordinary sentence-transformers
/// folder (F32 safetensors, config.json, tokenizer files). Lower-casing follows the vocabulary: a vocabulary without
/// upper-case letters (outside its [SPECIAL] tokens) is an uncased one, whose texts BERT lower-cases and strips of
/// accents; otherwise case is kept.
/// </summary>
public static class OnnxModelImport
{
    /// <exception cref="CheckpointFormatException">The ONNX file is malformed or not a complete BERT encoder.</exception>
    /// <exception cref="TokenizerFormatException">The vocabulary file is malformed.</exception>
    public static SentenceEncoder FromFiles(string onnxPath, string vocabPath, OnnxImportOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var export = OnnxBertReader.Read(onnxPath);
        var cased = WordPieceTokenizer.FromVocabFile(vocabPath);
        var tokenizer = WordPieceTokenizer.FromVocabFile(vocabPath, new TokenizerOptions
        {
            DoLowerCase = IsUncased(cased),
            ModelMaxLength = export.Shape.MaxPositionEmbeddings,
        });
        var config = ConfigOf(export);
        if (tokenizer.VocabSize != config.VocabSize)
            throw new CheckpointFormatException(onnxPath, "embeddings.word_embeddings.weight",
                $"has {config.VocabSize} rows but {vocabPath} has {tokenizer.VocabSize} tokens; the vocabulary does not belong to this model");
        int maxSeqLength = options.MaxSeqLength ?? config.MaxPositionEmbeddings;
        if (maxSeqLength < 2 || maxSeqLength > config.MaxPositionEmbeddings)
            throw new ArgumentException($"max sequence length {maxSeqLength} must be between 2 and the model's {config.MaxPositionEmbeddings} positions");
        var transformer = new TransformerModule(config, Bind(export, config, null), tokenizer, maxSeqLength, doLowerCase: false);
        var pooling = new PoolingModule(PoolingConfig.Create(config.HiddenSize, [options.Pooling]));
        return new SentenceEncoder(transformer, pooling, options.Normalize ? new NormalizeModule() : null, options.QueryPrefix);
    }

    /// <summary>config.json's content for the export's architecture (dropout and init range at BERT's defaults).</summary>
    public static BertConfig ConfigOf(OnnxBertExport export)
    {
        var shape = export.Shape;
        var config = new BertConfig
        {
            VocabSize = shape.VocabSize,
            HiddenSize = shape.HiddenSize,
            NumHiddenLayers = shape.NumHiddenLayers,
            NumAttentionHeads = shape.NumAttentionHeads,
            IntermediateSize = shape.IntermediateSize,
            HiddenAct = HiddenActivations.Parse(shape.HiddenAct)
                ?? throw new CheckpointFormatException(export.FilePath, null, $"activation {shape.HiddenAct} is not supported"),
            MaxPositionEmbeddings = shape.MaxPositionEmbeddings,
            TypeVocabSize = shape.TypeVocabSize,
            LayerNormEps = shape.LayerNormEps,
        };
        try { config.Validate(); }
        catch (ArgumentException e) { throw new CheckpointFormatException(export.FilePath, null, $"the graph's architecture is unusable: {e.Message}", e); }
        return config;
    }

    /// <summary>
    /// Binds the export's tensors to <paramref name="config"/>. With a config.json beside the export
    /// (<paramref name="configPath"/>), its head count must match the graph's: shapes cannot tell 12 heads from 6.
    /// </summary>
    public static BertWeights Bind(OnnxBertExport export, BertConfig config, string? configPath)
    {
        if (configPath is not null && config.NumAttentionHeads != export.Shape.NumAttentionHeads)
            throw new ModelConfigException(configPath, "num_attention_heads",
                $"{config.NumAttentionHeads} differs from the {export.Shape.NumAttentionHeads} heads of {export.FilePath}'s attention");
        return BertWeightBinder.Bind(export.Tensors, config, export.FilePath);
    }

    /// <summary>True when no ordinary token has an upper-case letter: texts must be lower-cased to match the vocabulary.</summary>
    internal static bool IsUncased(WordPieceTokenizer vocabulary)
    {
        for (int id = 0; id < vocabulary.VocabSize; id++)
        {
            string token = vocabulary.IdToToken(id);
            if (token.Length > 2 && token[0] == '[' && token[^1] == ']') continue; // [CLS], [unused0], ...
            // A letter lower-casing would change (not merely category Lu: "ℝ" has no lower case and is in uncased vocabularies).
            if (token.Any(c => char.IsUpper(c) && char.ToLowerInvariant(c) != c)) return false;
        }
        return true;
    }
}
