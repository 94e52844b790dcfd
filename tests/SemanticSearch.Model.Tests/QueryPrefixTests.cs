using SemanticSearch.Model.Configuration;

namespace SemanticSearch.Model.Tests;

/// <summary>A query prefix (config_sentence_transformers.json prompts.query) applies to queries, never to documents.</summary>
public class QueryPrefixTests
{
    private const string Prefix = "how do i ";

    [Fact]
    public void Queries_get_the_prefix_and_documents_do_not()
    {
        using var dir = new TempDirectory();
        var plain = TinyModels.Create(dir);
        var prefixed = plain.WithQueryPrefix(Prefix);
        string[] texts = ["top up my card", "lost pin"];

        Assert.Equal(plain.Encode(texts), prefixed.Encode(texts)); // documents: unchanged
        Assert.Equal(plain.Encode(texts.Select(t => Prefix + t).ToArray()), prefixed.EncodeQueries(texts));
        Assert.NotEqual(prefixed.Encode(texts), prefixed.EncodeQueries(texts));
        Assert.Equal(plain.Encode(texts), plain.EncodeQueries(texts)); // no prefix: queries are plain texts
        Assert.Equal(Prefix + "x", prefixed.QueryText("x"));
    }

    [Fact]
    public void The_prefix_is_saved_as_a_sentence_transformers_prompt_and_reloads()
    {
        using var dir = new TempDirectory();
        var prefixed = TinyModels.Create(dir).WithQueryPrefix(Prefix);
        string folder = dir.File("model");
        prefixed.Save(folder);
        Assert.Contains("\"query\": \"how do i \"", File.ReadAllText(Path.Combine(folder, SentenceTransformersConfig.FileName)));

        var loaded = SentenceEncoder.Load(folder);
        Assert.Equal(Prefix, loaded.QueryPrefix);
        Assert.Equal(prefixed.Fingerprint, loaded.Fingerprint);

        loaded.WithQueryPrefix(null).Save(folder); // saving without a prompt removes the file
        Assert.False(File.Exists(Path.Combine(folder, SentenceTransformersConfig.FileName)));
        Assert.Null(SentenceEncoder.Load(folder).QueryPrefix);
    }

    [Fact]
    public void The_fingerprint_covers_the_prefix_and_stays_as_it_was_without_one()
    {
        using var dir = new TempDirectory();
        var plain = TinyModels.Create(dir);
        Assert.Equal(plain.Fingerprint, plain.WithQueryPrefix(null).Fingerprint);
        Assert.Equal(plain.Fingerprint, plain.WithQueryPrefix("").Fingerprint);
        Assert.NotEqual(plain.Fingerprint, plain.WithQueryPrefix(Prefix).Fingerprint);
        Assert.NotEqual(plain.WithQueryPrefix("a ").Fingerprint, plain.WithQueryPrefix(Prefix).Fingerprint);
    }

    [Theory]
    [InlineData("""{"prompts": {"query": "q: ", "document": "d: "}}""", "prompts.document")]
    [InlineData("""{"prompts": {"query": "q: "}, "default_prompt_name": "query"}""", "default_prompt_name")]
    [InlineData("""{"prompts": {"query": 3}}""", "prompts.query")]
    public void Prompts_this_engine_would_misapply_are_refused_naming_the_field(string json, string field)
    {
        using var dir = new TempDirectory();
        string folder = dir.File("model");
        TinyModels.Create(dir).Save(folder);
        File.WriteAllText(Path.Combine(folder, SentenceTransformersConfig.FileName), json);
        var e = Assert.Throws<ModelConfigException>(() => SentenceEncoder.Load(folder));
        Assert.Contains(field, e.Message);
        Assert.Contains(SentenceTransformersConfig.FileName, e.Message);
    }

    [Fact]
    public void An_empty_document_prompt_and_null_default_are_accepted()
    {
        using var dir = new TempDirectory();
        string folder = dir.File("model");
        TinyModels.Create(dir).Save(folder);
        File.WriteAllText(Path.Combine(folder, SentenceTransformersConfig.FileName),
            """{"__version__": {"sentence_transformers": "3.0.1"}, "prompts": {"query": "q: ", "document": ""}, "default_prompt_name": null, "similarity_fn_name": "cosine"}""");
        Assert.Equal("q: ", SentenceEncoder.Load(folder).QueryPrefix);
    }
}
