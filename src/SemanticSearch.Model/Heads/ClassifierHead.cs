using System.Numerics.Tensors;
using System.Text.Json.Nodes;
using SemanticSearch.Checkpoints;
using SemanticSearch.Model.Configuration;

namespace SemanticSearch.Model.Heads;

/// <summary>
/// A classification head on the pooled sentence embedding: Linear (input → labels), or Linear → ReLU/GELU →
/// Linear when <see cref="ClassifierHeadConfig.HiddenSize"/> is set, followed by softmax (one label) or
/// sigmoid (several). Weights are torch nn.Linear-shaped ([out, in], row-major) so training code can work on
/// them in place. Saved as a module folder (config.json, labels.json, model.safetensors) inside the model
/// folder, by default "classifier/"; it is deliberately not listed in modules.json, so loading the folder as
/// a SentenceEncoder (and every embedding it produces) is unchanged by the head's presence.
/// </summary>
public sealed class ClassifierHead
{
    public const string DefaultFolderName = "classifier";
    public const string LabelsFileName = "labels.json";
    public const string WeightsFileName = "model.safetensors";

    public ClassifierHeadConfig Config { get; private set; }
    public IReadOnlyList<string> Labels { get; }

    /// <summary>[hidden, input] and [hidden], or null without a hidden layer.</summary>
    public float[]? HiddenWeight { get; }
    public float[]? HiddenBias { get; }
    /// <summary>[labels, hidden or input] and [labels].</summary>
    public float[] OutputWeight { get; }
    public float[] OutputBias { get; }

    public int InputDimension => Config.InputDimension;
    public int OutputInputDimension => Config.HiddenSize ?? Config.InputDimension;

    private ClassifierHead(ClassifierHeadConfig config, IReadOnlyList<string> labels, float[]? hiddenWeight, float[]? hiddenBias, float[] outputWeight, float[] outputBias)
    {
        config.Validate("classifier head");
        if (labels.Count != config.LabelCount) throw new ArgumentException($"{labels.Count} label names for {config.LabelCount} labels");
        if (labels.Distinct(StringComparer.Ordinal).Count() != labels.Count) throw new ArgumentException("label names must be distinct");
        Config = config;
        Labels = labels;
        HiddenWeight = hiddenWeight;
        HiddenBias = hiddenBias;
        OutputWeight = outputWeight;
        OutputBias = outputBias;
    }

    /// <summary>
    /// A freshly initialised head, as torch.nn.Linear initialises: weights and biases uniform in ±1/√fan_in.
    /// The same seed always gives the same weights.
    /// </summary>
    public static ClassifierHead CreateInitialized(ClassifierHeadConfig config, IReadOnlyList<string> labels, int seed)
    {
        config.Validate("classifier head");
        var random = new Random(seed);
        float[] Uniform(int count, int fanIn)
        {
            double bound = 1.0 / Math.Sqrt(fanIn);
            var values = new float[count];
            for (int i = 0; i < count; i++) values[i] = (float)((random.NextDouble() * 2 - 1) * bound);
            return values;
        }
        int d = config.InputDimension, c = config.LabelCount;
        if (config.HiddenSize is int h)
            return new ClassifierHead(config, labels.ToArray(), Uniform(h * d, d), Uniform(h, d), Uniform(c * h, h), Uniform(c, h));
        return new ClassifierHead(config, labels.ToArray(), null, null, Uniform(c * d, d), Uniform(c, d));
    }

    /// <summary>Sets the decision threshold (chosen on validation data after training).</summary>
    public void SetThreshold(double threshold)
    {
        var updated = Config with { Threshold = threshold };
        updated.Validate("classifier head");
        Config = updated;
    }

    /// <summary>Hidden-layer output after the activation for one embedding (the embedding itself without a hidden layer).</summary>
    public void Hidden(ReadOnlySpan<float> embedding, Span<float> hidden)
    {
        if (HiddenWeight is null) { embedding.CopyTo(hidden); return; }
        int d = InputDimension;
        for (int j = 0; j < hidden.Length; j++)
            hidden[j] = Activate(TensorPrimitives.Dot(HiddenWeight.AsSpan(j * d, d), embedding) + HiddenBias![j]);
    }

    /// <summary>Pre-activation value → activation, in float as torch does for float32 tensors.</summary>
    public float Activate(float x) => Config.Activation switch
    {
        HeadActivation.Relu => x > 0 ? x : 0,
        _ => (float)(0.5 * x * (1 + Erf(x / Math.Sqrt(2)))),
    };

    /// <summary>Derivative of <see cref="Activate"/> at pre-activation <paramref name="x"/>.</summary>
    public double ActivationDerivative(double x) => Config.Activation switch
    {
        HeadActivation.Relu => x > 0 ? 1 : 0,
        _ => 0.5 * (1 + Erf(x / Math.Sqrt(2))) + x * Math.Exp(-0.5 * x * x) / Math.Sqrt(2 * Math.PI),
    };

    /// <summary>Raw scores (before softmax/sigmoid) from the hidden-layer output.</summary>
    public void OutputLogits(ReadOnlySpan<float> hidden, Span<float> logits)
    {
        int k = OutputInputDimension;
        for (int c = 0; c < logits.Length; c++)
            logits[c] = TensorPrimitives.Dot(OutputWeight.AsSpan(c * k, k), hidden) + OutputBias[c];
    }

    /// <summary>Per-label probabilities for one embedding: softmax over labels, or an independent sigmoid per label.</summary>
    public float[] Probabilities(ReadOnlySpan<float> embedding)
    {
        if (embedding.Length != InputDimension)
            throw new ArgumentException($"embedding has {embedding.Length} dimensions, the head expects {InputDimension}");
        var hidden = new float[OutputInputDimension];
        Hidden(embedding, hidden);
        var scores = new float[Config.LabelCount];
        OutputLogits(hidden, scores);
        ToProbabilities(scores, Config.MultiLabel);
        return scores;
    }

    /// <summary>Logits → probabilities in place (softmax computed in double with the max subtracted).</summary>
    public static void ToProbabilities(Span<float> logits, bool multiLabel)
    {
        if (multiLabel)
        {
            for (int c = 0; c < logits.Length; c++) logits[c] = (float)(1 / (1 + Math.Exp(-(double)logits[c])));
            return;
        }
        double max = double.NegativeInfinity, sum = 0;
        foreach (float z in logits) max = Math.Max(max, z);
        for (int c = 0; c < logits.Length; c++) sum += Math.Exp(logits[c] - max);
        for (int c = 0; c < logits.Length; c++) logits[c] = (float)(Math.Exp(logits[c] - max) / sum);
    }

    public HeadPrediction Predict(ReadOnlySpan<float> embedding) => Decide(Probabilities(embedding));

    /// <summary>Applies the threshold to probabilities from <see cref="Probabilities"/>.</summary>
    public HeadPrediction Decide(float[] scores) => new(AssignedLabels(scores, Config.MultiLabel, Config.Threshold).Select(i => Labels[i]).ToArray(), Labels, scores);

    /// <summary>
    /// Indices of the labels assigned at <paramref name="threshold"/>: softmax → the arg-max (first on ties)
    /// unless its probability is below the threshold; sigmoid → every label at or above the threshold.
    /// </summary>
    public static int[] AssignedLabels(ReadOnlySpan<float> scores, bool multiLabel, double threshold)
    {
        if (multiLabel)
        {
            var chosen = new List<int>();
            for (int c = 0; c < scores.Length; c++) if (scores[c] >= threshold) chosen.Add(c);
            return chosen.ToArray();
        }
        int best = 0;
        for (int c = 1; c < scores.Length; c++) if (scores[c] > scores[best]) best = c;
        return scores[best] < threshold ? [] : [best];
    }

    /// <summary>Writes config.json, labels.json and model.safetensors into <paramref name="folder"/>; reloads bit-identically.</summary>
    public void Save(string folder)
    {
        Directory.CreateDirectory(folder);
        var tensors = new List<NamedTensor>();
        int k = OutputInputDimension;
        if (HiddenWeight is not null)
        {
            tensors.Add(new NamedTensor("hidden.weight", [Config.HiddenSize!.Value, InputDimension], HiddenWeight));
            tensors.Add(new NamedTensor("hidden.bias", [Config.HiddenSize!.Value], HiddenBias!));
        }
        tensors.Add(new NamedTensor("output.weight", [Config.LabelCount, k], OutputWeight));
        tensors.Add(new NamedTensor("output.bias", [Config.LabelCount], OutputBias));
        SafeTensorsFile.Write(Path.Combine(folder, WeightsFileName), tensors, new Dictionary<string, string> { ["format"] = "pt" });
        var id2label = new JsonObject();
        for (int i = 0; i < Labels.Count; i++) id2label[i.ToString(System.Globalization.CultureInfo.InvariantCulture)] = Labels[i];
        ClassifierHeadConfig.WriteJson(Path.Combine(folder, LabelsFileName), new JsonObject { ["id2label"] = id2label });
        // config.json last: a folder with it is a complete head.
        ClassifierHeadConfig.WriteJson(Path.Combine(folder, ClassifierHeadConfig.FileName), Config.ToJson());
    }

    public static ClassifierHead Load(string folder)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"classifier head folder not found: {folder}");
        string configPath = Path.Combine(folder, ClassifierHeadConfig.FileName);
        var config = ClassifierHeadConfig.Load(configPath);
        var labels = LoadLabels(Path.Combine(folder, LabelsFileName), config.LabelCount);
        string weightsPath = Path.Combine(folder, WeightsFileName);
        if (!File.Exists(weightsPath)) throw new ModelConfigException(weightsPath, null, "file not found");
        var tensors = SafeTensorsFile.Read(weightsPath);
        float[] Tensor(string name, params int[] shape)
        {
            if (!tensors.TryGetValue(name, out var t)) throw new ModelConfigException(weightsPath, name, "tensor is missing");
            if (!t.Shape.SequenceEqual(shape))
                throw new ModelConfigException(weightsPath, name, $"shape [{string.Join(",", t.Shape)}] does not match config.json's [{string.Join(",", shape)}]");
            return t.Data;
        }
        int d = config.InputDimension, c = config.LabelCount, k = config.HiddenSize ?? d;
        float[]? hw = null, hb = null;
        if (config.HiddenSize is int h) { hw = Tensor("hidden.weight", h, d); hb = Tensor("hidden.bias", h); }
        return new ClassifierHead(config, labels, hw, hb, Tensor("output.weight", c, k), Tensor("output.bias", c));
    }

    private static string[] LoadLabels(string path, int count)
    {
        if (!File.Exists(path)) throw new ModelConfigException(path, null, "file not found");
        JsonNode? root;
        try { root = JsonNode.Parse(File.ReadAllText(path)); }
        catch (System.Text.Json.JsonException e) { throw new ModelConfigException(path, null, $"invalid JSON: {e.Message}", e); }
        if (root?["id2label"] is not JsonObject map) throw new ModelConfigException(path, "id2label", "required object is missing");
        var labels = new string?[count];
        foreach (var (key, value) in map)
        {
            if (!int.TryParse(key, out int id) || id < 0 || id >= count)
                throw new ModelConfigException(path, $"id2label.{key}", $"key must be an index in 0..{count - 1} (num_labels in config.json is {count})");
            if (value is not JsonValue v || v.GetValueKind() != System.Text.Json.JsonValueKind.String)
                throw new ModelConfigException(path, $"id2label.{key}", $"expected a string label, got {value?.ToJsonString() ?? "null"}");
            labels[id] = v.GetValue<string>();
        }
        for (int i = 0; i < count; i++)
            if (labels[i] is null) throw new ModelConfigException(path, $"id2label.{i}", $"missing (config.json has num_labels {count})");
        return labels!;
    }

    /// <summary>Fails unless this head was trained on <paramref name="encoder"/>'s embeddings; messages name both sides.</summary>
    public void EnsureMatches(SentenceEncoder encoder, string headFolder, string modelFolder)
    {
        if (encoder.Dimension != InputDimension)
            throw new ModelConfigException(Path.Combine(headFolder, ClassifierHeadConfig.FileName), "input_dimension",
                $"the head takes {InputDimension}-dimensional embeddings but the encoder in {modelFolder} produces {encoder.Dimension}");
        if (encoder.Fingerprint != Config.EncoderFingerprint)
            throw new ModelConfigException(Path.Combine(headFolder, ClassifierHeadConfig.FileName), "encoder_fingerprint",
                $"the head was trained on encoder {Config.EncoderFingerprint[..Math.Min(12, Config.EncoderFingerprint.Length)]}…, but {modelFolder} holds encoder {encoder.Fingerprint[..12]}…; retrain the head on this encoder");
    }

    // .NET has no Math.Erf; the Chebyshev fit of erfc from Numerical Recipes (|error| < 1.2e-7) is far below
    // float32 resolution of the activations, and is deterministic, which is what the round-trip needs.
    private static double Erf(double x)
    {
        double z = Math.Abs(x), t = 1 / (1 + 0.5 * z);
        double r = t * Math.Exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
                   t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? 1 - r : r - 1;
    }
}
