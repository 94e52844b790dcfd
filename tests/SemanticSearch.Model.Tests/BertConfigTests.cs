using SemanticSearch.Model.Configuration;

namespace SemanticSearch.Model.Tests;

public class BertConfigTests
{
    private const string Valid = """
        {"vocab_size": 100, "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4,
         "intermediate_size": 64, "hidden_act": "gelu_new", "max_position_embeddings": 64, "type_vocab_size": 1,
         "layer_norm_eps": 1e-7, "hidden_dropout_prob": 0.2, "model_type": "bert"}
        """;

    private static BertConfig LoadText(TempDirectory dir, string json)
    {
        string path = dir.File("config.json");
        File.WriteAllText(path, json);
        return BertConfig.Load(path);
    }

    private static ModelConfigException LoadError(string json)
    {
        using var dir = new TempDirectory();
        return Assert.Throws<ModelConfigException>(() => LoadText(dir, json));
    }

    [Fact]
    public void Reads_every_field()
    {
        using var dir = new TempDirectory();
        var c = LoadText(dir, Valid);
        Assert.Equal((100, 32, 2, 4, 64, 64, 1), (c.VocabSize, c.HiddenSize, c.NumHiddenLayers, c.NumAttentionHeads, c.IntermediateSize, c.MaxPositionEmbeddings, c.TypeVocabSize));
        Assert.Equal(HiddenActivation.GeluTanh, c.HiddenAct);
        Assert.Equal(1e-7, c.LayerNormEps);
        Assert.Equal(0.2, c.HiddenDropoutProb);
        Assert.Equal(0.1, c.AttentionProbsDropoutProb); // default
        Assert.Equal(8, c.HeadSize);
    }

    [Fact]
    public void Round_trips_through_its_json()
    {
        using var dir = new TempDirectory();
        var c = LoadText(dir, Valid);
        var again = LoadText(dir, c.ToJson().ToJsonString());
        Assert.Equal(c, again);
    }

    [Theory]
    [InlineData("gelu", HiddenActivation.Gelu)]
    [InlineData("gelu_new", HiddenActivation.GeluTanh)]
    [InlineData("relu", HiddenActivation.Relu)]
    public void Parses_supported_activations(string name, HiddenActivation expected)
    {
        using var dir = new TempDirectory();
        Assert.Equal(expected, LoadText(dir, Valid.Replace("\"gelu_new\"", $"\"{name}\"")).HiddenAct);
    }

    [Fact]
    public void Unsupported_activation_names_file_field_and_value()
    {
        var e = LoadError(Valid.Replace("\"gelu_new\"", "\"swish\""));
        Assert.Equal("hidden_act", e.Field);
        Assert.EndsWith("config.json", e.FilePath);
        Assert.Contains("swish", e.Message);
        Assert.Contains("config.json", e.Message);
    }

    [Fact]
    public void Missing_required_field_is_named()
    {
        var e = LoadError(Valid.Replace("\"hidden_size\": 32,", ""));
        Assert.Equal("hidden_size", e.Field);
        Assert.Contains("missing", e.Message);
    }

    [Fact]
    public void Wrong_type_is_named()
    {
        var e = LoadError(Valid.Replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": \"two\""));
        Assert.Equal("num_hidden_layers", e.Field);
        Assert.Contains("integer", e.Message);
    }

    [Fact]
    public void Fractional_integer_is_rejected()
    {
        Assert.Equal("vocab_size", LoadError(Valid.Replace("\"vocab_size\": 100", "\"vocab_size\": 100.5")).Field);
    }

    [Fact]
    public void Other_model_types_are_rejected()
    {
        var e = LoadError(Valid.Replace("\"model_type\": \"bert\"", "\"model_type\": \"roberta\""));
        Assert.Equal("model_type", e.Field);
        Assert.Contains("roberta", e.Message);
    }

    [Fact]
    public void Heads_must_divide_hidden_size()
    {
        Assert.Equal("num_attention_heads", LoadError(Valid.Replace("\"num_attention_heads\": 4", "\"num_attention_heads\": 5")).Field);
    }

    [Fact]
    public void Relative_position_embeddings_are_rejected()
    {
        Assert.Equal("position_embedding_type", LoadError(Valid.Replace("\"model_type\"", "\"position_embedding_type\": \"relative_key\", \"model_type\"")).Field);
    }

    [Fact]
    public void Invalid_json_names_the_file()
    {
        var e = LoadError("{\"vocab_size\": ");
        Assert.Null(e.Field);
        Assert.Contains("invalid JSON", e.Message);
        Assert.Contains("config.json", e.Message);
    }

    [Fact]
    public void Top_level_array_is_rejected()
    {
        Assert.Contains("JSON object", LoadError("[1, 2]").Message);
    }

    [Fact]
    public void Missing_file_is_named()
    {
        using var dir = new TempDirectory();
        var e = Assert.Throws<ModelConfigException>(() => BertConfig.Load(dir.File("config.json")));
        Assert.Contains("not found", e.Message);
    }
}
