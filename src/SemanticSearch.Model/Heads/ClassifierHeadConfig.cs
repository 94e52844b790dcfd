using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using SemanticSearch.Model.Configuration;

namespace SemanticSearch.Model.Heads;

/// <summary>The non-linearity between the two layers of a head with a hidden layer.</summary>
public enum HeadActivation
{
    Relu,
    /// <summary>Exact GELU (erf), as torch.nn.GELU().</summary>
    Gelu,
}

/// <summary>
/// classifier/config.json: what a head computes and what it was trained on. "type" is "softmax" (exactly
/// one label per text) or "sigmoid" (any number of labels per text); "threshold" is the probability below
/// which a softmax head answers "unknown", or at or above which a sigmoid head assigns a label.
/// "encoder_fingerprint" is <see cref="SentenceEncoder.Fingerprint"/> of the encoder whose embeddings the
/// head was trained on: a head is only meaningful on those exact embeddings.
/// </summary>
public sealed record ClassifierHeadConfig
{
    public const string FileName = "config.json";
    public const string Format = "semsearch-classifier-head-1";

    public required int InputDimension { get; init; }
    public required int LabelCount { get; init; }
    public int? HiddenSize { get; init; }
    public HeadActivation Activation { get; init; } = HeadActivation.Relu;
    public bool MultiLabel { get; init; }
    public double Threshold { get; init; }
    public required string EncoderFingerprint { get; init; }

    public string Type => MultiLabel ? "sigmoid" : "softmax";

    public void Validate(string where)
    {
        if (InputDimension < 1) throw new ModelConfigException(where, "input_dimension", $"must be at least 1, got {InputDimension}");
        if (LabelCount < 2) throw new ModelConfigException(where, "num_labels", $"a head needs at least 2 labels, got {LabelCount}");
        if (HiddenSize is < 1) throw new ModelConfigException(where, "hidden_size", $"must be at least 1 or null, got {HiddenSize}");
        if (!(Threshold >= 0 && Threshold <= 1)) throw new ModelConfigException(where, "threshold", $"must be within [0, 1], got {Threshold}");
        if (string.IsNullOrWhiteSpace(EncoderFingerprint)) throw new ModelConfigException(where, "encoder_fingerprint", "is empty");
    }

    public JsonObject ToJson() => new()
    {
        ["format"] = Format,
        ["type"] = Type,
        ["input_dimension"] = InputDimension,
        ["hidden_size"] = HiddenSize,
        ["activation"] = Activation == HeadActivation.Gelu ? "gelu" : "relu",
        ["num_labels"] = LabelCount,
        ["multi_label"] = MultiLabel,
        ["threshold"] = Threshold,
        ["encoder_fingerprint"] = EncoderFingerprint,
    };

    public static ClassifierHeadConfig Load(string path)
    {
        var json = JsonConfigObject.Load(path);
        string format = json.GetString("format");
        if (format != Format) throw json.Error("format", $"expected \"{Format}\", got \"{format}\"");
        string type = json.GetString("type");
        bool multiLabel = json.GetBool("multi_label");
        if (type != (multiLabel ? "sigmoid" : "softmax"))
            throw json.Error("type", $"\"{type}\" contradicts multi_label={multiLabel.ToString().ToLowerInvariant()} (softmax = one label, sigmoid = several)");
        string activation = json.GetString("activation", "relu");
        var config = new ClassifierHeadConfig
        {
            InputDimension = json.GetInt("input_dimension", min: 1),
            LabelCount = json.GetInt("num_labels", min: 2),
            HiddenSize = json.GetOptionalInt("hidden_size", min: 1),
            Activation = activation switch
            {
                "relu" => HeadActivation.Relu,
                "gelu" => HeadActivation.Gelu,
                _ => throw json.Error("activation", $"expected \"relu\" or \"gelu\", got \"{activation}\""),
            },
            MultiLabel = multiLabel,
            Threshold = json.GetDouble("threshold"),
            EncoderFingerprint = json.GetString("encoder_fingerprint"),
        };
        config.Validate(path);
        return config;
    }

    internal static void WriteJson(string path, JsonNode node) =>
        File.WriteAllText(path, node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Type} head {InputDimension}→{(HiddenSize is int h ? $"{h}→" : "")}{LabelCount}, threshold {Threshold:0.###}");
}
