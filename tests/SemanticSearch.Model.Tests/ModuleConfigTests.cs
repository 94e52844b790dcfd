using SemanticSearch.Model.Configuration;
using SemanticSearch.Tensors;

namespace SemanticSearch.Model.Tests;

public class ModuleConfigTests
{
    private static string Write(TempDirectory dir, string name, string json)
    {
        string path = dir.File(name);
        File.WriteAllText(path, json);
        return path;
    }

    private const string Transformer = """{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"}""";
    private const string Pooling = """{"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}""";
    private const string Normalize = """{"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}""";

    [Fact]
    public void Modules_json_lists_the_pipeline()
    {
        using var dir = new TempDirectory();
        var manifest = ModuleManifest.Load(Write(dir, "modules.json", $"[{Transformer}, {Pooling}, {Normalize}]"));
        Assert.Equal(new[] { ModuleKind.Transformer, ModuleKind.Pooling, ModuleKind.Normalize }, manifest.Entries.Select(e => e.Kind));
        Assert.Equal("1_Pooling", manifest.Entries[1].Path);
    }

    [Fact]
    public void Unknown_module_type_names_file_and_type()
    {
        using var dir = new TempDirectory();
        string dense = """{"idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"}""";
        var e = Assert.Throws<ModelConfigException>(() => ModuleManifest.Load(Write(dir, "modules.json", $"[{Transformer}, {Pooling}, {dense}]")));
        Assert.Contains("modules.json", e.Message);
        Assert.Contains("sentence_transformers.models.Dense", e.Message);
        Assert.Equal("[2].type", e.Field);
    }

    [Fact]
    public void Pipeline_out_of_order_is_rejected()
    {
        using var dir = new TempDirectory();
        var e = Assert.Throws<ModelConfigException>(() => ModuleManifest.Load(Write(dir, "modules.json", $"[{Pooling}, {Transformer}]")));
        Assert.Contains("pipeline", e.Message);
    }

    [Fact]
    public void Module_path_may_not_leave_the_model_folder()
    {
        using var dir = new TempDirectory();
        var e = Assert.Throws<ModelConfigException>(() => ModuleManifest.Load(Write(dir, "modules.json", $"[{Transformer}, {Pooling.Replace("1_Pooling", "../x")}]")));
        Assert.Equal("[1].path", e.Field);
    }

    [Fact]
    public void Modules_json_must_be_an_array_of_objects()
    {
        using var dir = new TempDirectory();
        Assert.Contains("array", Assert.Throws<ModelConfigException>(() => ModuleManifest.Load(Write(dir, "modules.json", "{}"))).Message);
        Assert.Equal("[0]", Assert.Throws<ModelConfigException>(() => ModuleManifest.Load(Write(dir, "modules.json", "[3]"))).Field);
        Assert.Equal("[0].type", Assert.Throws<ModelConfigException>(() => ModuleManifest.Load(Write(dir, "modules.json", """[{"path": ""}]"""))).Field);
    }

    [Fact]
    public void Pooling_modes_are_concatenated_in_sentence_transformers_order()
    {
        using var dir = new TempDirectory();
        var config = PoolingConfig.Load(Write(dir, "config.json", """
            {"word_embedding_dimension": 16, "pooling_mode_mean_tokens": true, "pooling_mode_cls_token": true,
             "pooling_mode_mean_sqrt_len_tokens": true, "pooling_mode_max_tokens": true, "include_prompt": false}
            """));
        Assert.Equal(new[] { PoolingMode.Cls, PoolingMode.Max, PoolingMode.Mean, PoolingMode.MeanSqrtLen }, config.Modes);
        Assert.Equal(64, config.OutputDimension);
        Assert.Equal(config.Modes, PoolingConfig.Load(Write(dir, "again.json", config.ToJson().ToJsonString())).Modes);
        Assert.Equal(new[] { PoolingMode.Cls, PoolingMode.Mean }, PoolingConfig.Create(8, new[] { PoolingMode.Mean, PoolingMode.Cls }).Modes);
    }

    [Fact]
    public void Pooling_without_a_mode_is_an_error()
    {
        using var dir = new TempDirectory();
        var e = Assert.Throws<ModelConfigException>(() => PoolingConfig.Load(Write(dir, "config.json", """{"word_embedding_dimension": 16}""")));
        Assert.Contains("no pooling mode", e.Message);
    }

    [Theory]
    [InlineData("pooling_mode_weightedmean_tokens")]
    [InlineData("pooling_mode_lasttoken")]
    public void Unsupported_pooling_modes_are_named(string field)
    {
        using var dir = new TempDirectory();
        var e = Assert.Throws<ModelConfigException>(() => PoolingConfig.Load(Write(dir, "config.json", $$"""{"word_embedding_dimension": 16, "{{field}}": true}""")));
        Assert.Equal(field, e.Field);
    }

    [Fact]
    public void Pooling_dimension_is_required()
    {
        using var dir = new TempDirectory();
        Assert.Equal("word_embedding_dimension", Assert.Throws<ModelConfigException>(() => PoolingConfig.Load(Write(dir, "config.json", """{"pooling_mode_mean_tokens": true}"""))).Field);
    }

    [Fact]
    public void Sentence_bert_config_is_optional_and_checked()
    {
        using var dir = new TempDirectory();
        Assert.Equal(new SentenceBertConfig(null, false), SentenceBertConfig.LoadOrDefault(dir.File("absent.json")));
        Assert.Equal(new SentenceBertConfig(128, true), SentenceBertConfig.LoadOrDefault(Write(dir, "a.json", """{"max_seq_length": 128, "do_lower_case": true}""")));
        Assert.Equal(new SentenceBertConfig(null, false), SentenceBertConfig.LoadOrDefault(Write(dir, "b.json", """{"max_seq_length": null}""")));
        Assert.Equal("max_seq_length", Assert.Throws<ModelConfigException>(() => SentenceBertConfig.LoadOrDefault(Write(dir, "c.json", """{"max_seq_length": 1}"""))).Field);
        Assert.Equal("do_lower_case", Assert.Throws<ModelConfigException>(() => SentenceBertConfig.LoadOrDefault(Write(dir, "d.json", """{"do_lower_case": "yes"}"""))).Field);
    }
}
