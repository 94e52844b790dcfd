using System.Text.Json;
using System.Text.Json.Nodes;
using SemanticSearch.Checkpoints;
using SemanticSearch.Checkpoints.Onnx;
using SemanticSearch.Model.Import;
using SemanticSearch.Model.Configuration;
using SemanticSearch.Model.Forward;
using SemanticSearch.Model.Weights;
using SemanticSearch.Tokenization;

namespace SemanticSearch.Model.Modules;

/// <summary>
/// sentence-transformers' Transformer module: tokenizer + BERT encoder, producing one vector per token.
/// Its folder holds config.json, the weights, the tokenizer files and sentence_bert_config.json.
/// </summary>
public sealed class TransformerModule
{
    public const string SafeTensorsFileName = "model.safetensors";

    public BertConfig Config { get; }
    public BertWeights Weights { get; }
    public WordPieceTokenizer Tokenizer { get; }
    public int MaxSeqLength { get; }
    /// <summary>sentence_bert_config.json do_lower_case: lower-case texts before the tokenizer sees them.</summary>
    public bool DoLowerCase { get; }

    internal BertEncoder Encoder { get; }

    public TransformerModule(BertConfig config, BertWeights weights, WordPieceTokenizer tokenizer, int maxSeqLength, bool doLowerCase)
    {
        config.Validate();
        if (maxSeqLength < 2 || maxSeqLength > config.MaxPositionEmbeddings)
            throw new ArgumentException($"max sequence length {maxSeqLength} must be between 2 and max_position_embeddings {config.MaxPositionEmbeddings}", nameof(maxSeqLength));
        if (tokenizer.VocabSize > config.VocabSize)
            throw new ArgumentException($"tokenizer has {tokenizer.VocabSize} tokens but the model's vocab_size is {config.VocabSize}", nameof(tokenizer));
        Config = config;
        Weights = weights;
        Tokenizer = tokenizer;
        MaxSeqLength = maxSeqLength;
        DoLowerCase = doLowerCase;
        Encoder = new BertEncoder(config, weights);
    }

    /// <summary>
    /// Loads a Transformer folder (for plain Hugging Face BERT folders, the model folder itself). Weights come from
    /// safetensors or pytorch_model.bin, else from an ONNX export (model.onnx or onnx/model.onnx), whose graph also
    /// gives the architecture when there is no config.json.
    /// </summary>
    public static TransformerModule Load(string folder)
    {
        string configPath = Path.Combine(folder, BertConfig.FileName);
        string? checkpointPath = CheckpointFolder.FindWeightsFile(folder);
        string? onnxPath = checkpointPath is null ? CheckpointFolder.FindOnnxFile(folder) : null;
        var onnx = onnxPath is null ? null : OnnxBertReader.Read(onnxPath);
        var config = onnx is not null && !File.Exists(configPath) ? OnnxModelImport.ConfigOf(onnx) : BertConfig.Load(configPath);
        string sbertPath = Path.Combine(folder, SentenceBertConfig.FileName);
        var sbert = SentenceBertConfig.LoadOrDefault(sbertPath);
        var tokenizer = WordPieceTokenizer.Load(folder);
        if (tokenizer.VocabSize > config.VocabSize)
            throw new ModelConfigException(configPath, "vocab_size", $"{config.VocabSize} is smaller than the tokenizer's {tokenizer.VocabSize} tokens in {folder}");

        int maxSeqLength;
        if (sbert.MaxSeqLength is int explicitLength)
        {
            if (explicitLength > config.MaxPositionEmbeddings)
                throw new ModelConfigException(sbertPath, "max_seq_length", $"{explicitLength} exceeds max_position_embeddings {config.MaxPositionEmbeddings} of {configPath}");
            maxSeqLength = explicitLength;
        }
        else
        {
            // sentence-transformers' default: the tokenizer's model_max_length capped by the position table.
            maxSeqLength = Math.Min(tokenizer.Options.ModelMaxLength ?? int.MaxValue, config.MaxPositionEmbeddings);
        }

        BertWeights weights;
        if (onnx is not null)
        {
            weights = OnnxModelImport.Bind(onnx, config, File.Exists(configPath) ? configPath : null);
        }
        else
        {
            if (checkpointPath is null)
                throw new CheckpointFormatException(Path.Combine(folder, SafeTensorsFileName), null,
                    $"no weights found in {folder} (looked for model.safetensors, model.safetensors.index.json, pytorch_model.bin, model.onnx, onnx/model.onnx)");
            var tensors = CheckpointFolder.Read(folder);
            string int8ConfigPath = Path.Combine(folder, Int8Weights.ConfigFileName);
            if (File.Exists(int8ConfigPath))
            {
                // An int8 model (semsearch model quantize): I8 Linear weights with per-channel scales.
                Int8Weights.CheckConfig(int8ConfigPath);
                var (floats, int8) = Int8Weights.FromTensors(tensors, config, checkpointPath);
                weights = BertWeightBinder.Bind(floats, config, checkpointPath);
                weights.AttachInt8(int8);
            }
            else weights = BertWeightBinder.Bind(tensors, config, checkpointPath);
        }
        return new TransformerModule(config, weights, tokenizer, maxSeqLength, sbert.DoLowerCase);
    }

    /// <summary>Token ids of one text: [CLS] pieces [SEP], at most <see cref="MaxSeqLength"/> long.</summary>
    public int[] Tokenize(string text) => Tokenizer.Encode(DoLowerCase ? text.ToLowerInvariant() : text, MaxSeqLength).Ids;

    /// <summary>Writes config.json, sentence_bert_config.json, F32 model.safetensors and the tokenizer into <paramref name="folder"/>.</summary>
    public void Save(string folder)
    {
        Directory.CreateDirectory(folder);
        WriteJson(Path.Combine(folder, BertConfig.FileName), Config.ToJson());
        WriteJson(Path.Combine(folder, SentenceBertConfig.FileName), new SentenceBertConfig(MaxSeqLength, DoLowerCase).ToJson());
        // An int8 model keeps its I8 weights and scales, and says so in quantization_config.json; a float model
        // must not leave an old one behind (it would be read as int8).
        string int8ConfigPath = Path.Combine(folder, Int8Weights.ConfigFileName);
        var int8 = Weights.Int8;
        var tensors = int8 is not null
            ? Int8Weights.ToTensors(Config, Weights, int8.ToArray())
            : Weights.EnumerateNamed(Config).Select(t => new NamedTensor(t.Name, t.Shape, t.Data));
        if (int8 is null) File.Delete(int8ConfigPath);
        SafeTensorsFile.Write(Path.Combine(folder, SafeTensorsFileName), tensors, new Dictionary<string, string> { ["format"] = "pt" });
        if (int8 is not null) WriteJson(int8ConfigPath, Int8Weights.ConfigJson());
        Tokenizer.Save(folder);
    }

    internal static void WriteJson(string path, JsonNode node)
    {
        File.WriteAllText(path, node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }
}
