using SemanticSearch.Checkpoints;

namespace SemanticSearch.Model.Tests;

/// <summary>Loading rejects checkpoints that do not fit config.json, naming the file and the tensor.</summary>
public class WeightBindingTests
{
    /// <summary>Saves a tiny model, rewrites its model.safetensors through <paramref name="edit"/>, and loads it.</summary>
    private static SentenceEncoder LoadEdited(TempDirectory dir, Func<List<NamedTensor>, IEnumerable<NamedTensor>> edit)
    {
        using var vocabDir = new TempDirectory();
        TinyModels.Create(vocabDir).Save(dir.Path);
        string path = Path.Combine(dir.Path, "model.safetensors");
        var tensors = SafeTensorsFile.Read(path).Values.ToList();
        SafeTensorsFile.Write(path, edit(tensors).ToList());
        return SentenceEncoder.Load(dir.Path);
    }

    private static CheckpointFormatException LoadError(Func<List<NamedTensor>, IEnumerable<NamedTensor>> edit)
    {
        using var dir = new TempDirectory();
        return Assert.Throws<CheckpointFormatException>(() => LoadEdited(dir, edit));
    }

    [Fact]
    public void Missing_tensor_is_named()
    {
        var e = LoadError(ts => ts.Where(t => t.Name != "encoder.layer.1.attention.self.value.bias"));
        Assert.Equal("encoder.layer.1.attention.self.value.bias", e.TensorName);
        Assert.EndsWith("model.safetensors", e.FilePath);
        Assert.Contains("missing", e.Message);
    }

    [Fact]
    public void Unexpected_tensor_is_named()
    {
        var e = LoadError(ts => ts.Append(new NamedTensor("encoder.layer.2.output.dense.bias", new[] { 16 }, new float[16])));
        Assert.Equal("encoder.layer.2.output.dense.bias", e.TensorName);
        Assert.Contains("unexpected", e.Message);
    }

    [Fact]
    public void Wrong_shape_is_named()
    {
        var e = LoadError(ts => ts.Select(t => t.Name == "encoder.layer.0.intermediate.dense.weight" ? new NamedTensor(t.Name, new[] { 16, 24 }, t.Data) : t));
        Assert.Equal("encoder.layer.0.intermediate.dense.weight", e.TensorName);
        Assert.Contains("[16, 24]", e.Message);
        Assert.Contains("[24, 16]", e.Message);
    }

    [Fact]
    public void Integer_tensor_in_place_of_a_weight_is_rejected()
    {
        var e = LoadError(ts => ts.Select(t => t.Name == "embeddings.LayerNorm.bias" ? NamedTensor.FromIntegers(t.Name, t.Shape, new long[t.ElementCount], TensorDType.I64) : t));
        Assert.Equal("embeddings.LayerNorm.bias", e.TensorName);
    }

    [Fact]
    public void Duplicate_after_prefix_removal_is_rejected()
    {
        var e = LoadError(ts => ts.Append(new NamedTensor("bert.embeddings.LayerNorm.bias", new[] { 16 }, new float[16])));
        Assert.Contains("duplicate", e.Message);
    }

    [Fact]
    public void Prefixed_names_and_ignorable_tensors_load_to_the_same_model()
    {
        using var plainDir = new TempDirectory();
        using var vocabDir = new TempDirectory();
        var model = TinyModels.Create(vocabDir);
        model.Save(plainDir.Path);

        using var dir = new TempDirectory();
        var edited = LoadEdited(dir, ts => ts.Select(t => new NamedTensor("bert." + t.Name, t.Shape, t.Data))
            .Append(new NamedTensor("bert.pooler.dense.weight", new[] { 16, 16 }, new float[256]))
            .Append(new NamedTensor("bert.pooler.dense.bias", new[] { 16 }, new float[16]))
            .Append(NamedTensor.FromIntegers("bert.embeddings.position_ids", new[] { 1, 40 }, Enumerable.Range(0, 40).Select(i => (long)i).ToArray(), TensorDType.I64))
            .Append(new NamedTensor("cls.predictions.bias", new[] { TinyModels.Words.Length }, new float[TinyModels.Words.Length])));
        Assert.Equal(model.Fingerprint, edited.Fingerprint);
        Assert.Equal(model.Encode(new[] { "the card" })[0], edited.Encode(new[] { "the card" })[0]);
    }

    [Fact]
    public void Folder_without_weights_is_an_error_naming_the_folder()
    {
        using var dir = new TempDirectory();
        using var vocabDir = new TempDirectory();
        TinyModels.Create(vocabDir).Save(dir.Path);
        File.Delete(Path.Combine(dir.Path, "model.safetensors"));
        var e = Assert.Throws<CheckpointFormatException>(() => SentenceEncoder.Load(dir.Path));
        Assert.Contains(dir.Path, e.Message);
    }
}
