using System.Globalization;
using System.Text.Json.Nodes;

namespace SemanticSearch.Model.Configuration;

/// <summary>
/// The architecture of a BERT encoder: Hugging Face config.json with model_type "bert".
/// Dropout probabilities and the initializer range do not affect inference; they are kept so a
/// model saved here can be trained later with the same settings.
/// </summary>
public sealed record BertConfig
{
    public const string FileName = "config.json";

    public required int VocabSize { get; init; }
    public required int HiddenSize { get; init; }
    public required int NumHiddenLayers { get; init; }
    public required int NumAttentionHeads { get; init; }
    public required int IntermediateSize { get; init; }
    public HiddenActivation HiddenAct { get; init; } = HiddenActivation.Gelu;
    public int MaxPositionEmbeddings { get; init; } = 512;
    public int TypeVocabSize { get; init; } = 2;
    public double LayerNormEps { get; init; } = 1e-12;
    public double HiddenDropoutProb { get; init; } = 0.1;
    public double AttentionProbsDropoutProb { get; init; } = 0.1;
    public double InitializerRange { get; init; } = 0.02;

    public int HeadSize => HiddenSize / NumAttentionHeads;

    /// <summary>The shape of all-MiniLM-L6-v2 / paraphrase-MiniLM-L6-v2: 6 layers, 384 hidden, 12 heads.</summary>
    public static BertConfig MiniLmL6H384(int vocabSize) => new()
    {
        VocabSize = vocabSize, HiddenSize = 384, NumHiddenLayers = 6, NumAttentionHeads = 12, IntermediateSize = 1536,
    };

    /// <summary>Reads a config.json; every problem names the file and field.</summary>
    public static BertConfig Load(string path)
    {
        var json = JsonConfigObject.Load(path);
        string modelType = json.GetString("model_type", "bert");
        if (modelType != "bert")
            throw json.Error("model_type", $"only \"bert\" models are supported, got \"{modelType}\"");
        string positions = json.GetString("position_embedding_type", "absolute");
        if (positions != "absolute")
            throw json.Error("position_embedding_type", $"only \"absolute\" position embeddings are supported, got \"{positions}\"");
        string act = json.GetString("hidden_act");
        var activation = HiddenActivations.Parse(act)
            ?? throw json.Error("hidden_act", $"unsupported activation \"{act}\" (supported: gelu, gelu_new, gelu_pytorch_tanh, relu)");

        var config = new BertConfig
        {
            VocabSize = json.GetInt("vocab_size", min: 1),
            HiddenSize = json.GetInt("hidden_size", min: 1),
            NumHiddenLayers = json.GetInt("num_hidden_layers", min: 0),
            NumAttentionHeads = json.GetInt("num_attention_heads", min: 1),
            IntermediateSize = json.GetInt("intermediate_size", min: 1),
            HiddenAct = activation,
            MaxPositionEmbeddings = json.GetInt("max_position_embeddings", 512, min: 1),
            TypeVocabSize = json.GetInt("type_vocab_size", 2, min: 1),
            LayerNormEps = json.GetDouble("layer_norm_eps", 1e-12),
            HiddenDropoutProb = json.GetDouble("hidden_dropout_prob", 0.1),
            AttentionProbsDropoutProb = json.GetDouble("attention_probs_dropout_prob", 0.1),
            InitializerRange = json.GetDouble("initializer_range", 0.02),
        };
        if (config.HiddenSize % config.NumAttentionHeads != 0)
            throw json.Error("num_attention_heads", $"hidden_size {config.HiddenSize} is not divisible by num_attention_heads {config.NumAttentionHeads}");
        if (!(config.LayerNormEps > 0))
            throw json.Error("layer_norm_eps", $"must be positive, got {config.LayerNormEps.ToString(CultureInfo.InvariantCulture)}");
        return config;
    }

    /// <summary>Checks a config built in code (RandomModelWriter); throws ArgumentException naming the property.</summary>
    public void Validate()
    {
        if (VocabSize < 1 || HiddenSize < 1 || NumHiddenLayers < 0 || NumAttentionHeads < 1 || IntermediateSize < 1 || MaxPositionEmbeddings < 1 || TypeVocabSize < 1)
            throw new ArgumentException($"BertConfig has a non-positive size: {this}");
        if (HiddenSize % NumAttentionHeads != 0)
            throw new ArgumentException($"BertConfig.HiddenSize {HiddenSize} is not divisible by NumAttentionHeads {NumAttentionHeads}");
        if (!(LayerNormEps > 0)) throw new ArgumentException($"BertConfig.LayerNormEps must be positive, got {LayerNormEps}");
    }

    /// <summary>The config.json Hugging Face transformers and sentence-transformers load as a BertModel.</summary>
    public JsonObject ToJson() => new()
    {
        ["architectures"] = new JsonArray("BertModel"),
        ["model_type"] = "bert",
        ["vocab_size"] = VocabSize,
        ["hidden_size"] = HiddenSize,
        ["num_hidden_layers"] = NumHiddenLayers,
        ["num_attention_heads"] = NumAttentionHeads,
        ["intermediate_size"] = IntermediateSize,
        ["hidden_act"] = HiddenAct.ConfigName(),
        ["max_position_embeddings"] = MaxPositionEmbeddings,
        ["type_vocab_size"] = TypeVocabSize,
        ["layer_norm_eps"] = LayerNormEps,
        ["hidden_dropout_prob"] = HiddenDropoutProb,
        ["attention_probs_dropout_prob"] = AttentionProbsDropoutProb,
        ["initializer_range"] = InitializerRange,
        ["position_embedding_type"] = "absolute",
        ["pad_token_id"] = 0,
    };
}
