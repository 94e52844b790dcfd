namespace SemanticSearch.Checkpoints.Tests;

public sealed class CheckpointFolderTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private static void WriteIndex(string path, params (string Tensor, string Shard)[] map)
    {
        string entries = string.Join(",", map.Select(m => $"\"{m.Tensor}\":\"{m.Shard}\""));
        File.WriteAllText(path, $"{{\"metadata\":{{\"total_size\":0}},\"weight_map\":{{{entries}}}}}");
    }

    [Fact]
    public void Folder_with_only_pytorch_model_bin_reads_it()
    {
        string folder = CheckpointFixtures.File("tiny_encoder_folder");
        Assert.Equal(Path.Combine(folder, "pytorch_model.bin"), CheckpointFolder.FindWeightsFile(folder));
        CheckpointFixtures.AssertMatches("tiny_encoder_folder", CheckpointFolder.Read(folder));
    }

    [Fact]
    public void Safetensors_is_preferred_over_pytorch_model_bin()
    {
        File.Copy(CheckpointFixtures.File("tiny_encoder_folder/pytorch_model.bin"), _directory.File("pytorch_model.bin"));
        SafeTensorsFile.Write(_directory.File("model.safetensors"), [new NamedTensor("from_safetensors", [1], [5f])]);

        Assert.Equal(_directory.File("model.safetensors"), CheckpointFolder.FindWeightsFile(_directory.Path));
        Assert.Equal(["from_safetensors"], CheckpointFolder.Read(_directory.Path).Keys);
    }

    [Fact]
    public void Folder_without_weights_names_the_folder()
    {
        File.WriteAllText(_directory.File("config.json"), "{}");
        Assert.Null(CheckpointFolder.FindWeightsFile(_directory.Path));
        var error = Assert.Throws<FileNotFoundException>(() => CheckpointFolder.Read(_directory.Path));
        Assert.Contains(_directory.Path, error.Message);
        Assert.Contains("model.safetensors", error.Message);
    }

    [Fact]
    public void Missing_folder_is_reported()
    {
        string missing = _directory.File("nope");
        var error = Assert.Throws<DirectoryNotFoundException>(() => CheckpointFolder.Read(missing));
        Assert.Contains(missing, error.Message);
    }

    [Fact]
    public void Sharded_checkpoint_reads_every_shard_through_the_folder()
    {
        SafeTensorsFile.Write(_directory.File("model-00001-of-00002.safetensors"),
            [new NamedTensor("embeddings.weight", [2], [1f, 2f]), new NamedTensor("encoder.bias", [1], [3f])]);
        SafeTensorsFile.Write(_directory.File("model-00002-of-00002.safetensors"), [new NamedTensor("pooler.weight", [1], [4f])]);
        WriteIndex(_directory.File(ShardedSafeTensors.IndexFileName),
            ("embeddings.weight", "model-00001-of-00002.safetensors"),
            ("pooler.weight", "model-00002-of-00002.safetensors"),
            ("encoder.bias", "model-00001-of-00002.safetensors"));

        Assert.Equal(_directory.File(ShardedSafeTensors.IndexFileName), CheckpointFolder.FindWeightsFile(_directory.Path));
        IReadOnlyDictionary<string, NamedTensor> tensors = CheckpointFolder.Read(_directory.Path);

        Assert.Equal(["embeddings.weight", "encoder.bias", "pooler.weight"], tensors.Keys);
        Assert.Equal([4f], tensors["pooler.weight"].Data);
    }

    [Fact]
    public void Shard_missing_a_tensor_the_index_promises_is_rejected()
    {
        SafeTensorsFile.Write(_directory.File("shard1.safetensors"), [new NamedTensor("a", [1], [1f])]);
        string index = _directory.File(ShardedSafeTensors.IndexFileName);
        WriteIndex(index, ("a", "shard1.safetensors"), ("b", "shard1.safetensors"));
        var error = Assert.Throws<CheckpointFormatException>(() => ShardedSafeTensors.Read(index));
        Assert.Equal(_directory.File("shard1.safetensors"), error.FilePath);
        Assert.Equal("b", error.TensorName);
    }

    [Fact]
    public void Shard_holding_an_unlisted_tensor_is_rejected()
    {
        SafeTensorsFile.Write(_directory.File("shard1.safetensors"), [new NamedTensor("a", [1], [1f]), new NamedTensor("stray", [1], [1f])]);
        string index = _directory.File(ShardedSafeTensors.IndexFileName);
        WriteIndex(index, ("a", "shard1.safetensors"));
        var error = Assert.Throws<CheckpointFormatException>(() => ShardedSafeTensors.Read(index));
        Assert.Equal("stray", error.TensorName);
    }

    [Fact]
    public void Missing_shard_file_is_rejected_naming_index_and_shard()
    {
        string index = _directory.File(ShardedSafeTensors.IndexFileName);
        WriteIndex(index, ("a", "gone.safetensors"));
        var error = Assert.Throws<CheckpointFormatException>(() => ShardedSafeTensors.Read(index));
        Assert.Equal(index, error.FilePath);
        Assert.Contains("'gone.safetensors'", error.Message);
    }

    [Theory]
    [InlineData("../outside.safetensors")]
    [InlineData("/etc/passwd")]
    [InlineData("..")]
    public void Shard_names_cannot_leave_the_folder(string shard)
    {
        string index = _directory.File(ShardedSafeTensors.IndexFileName);
        WriteIndex(index, ("a", shard));
        var error = Assert.Throws<CheckpointFormatException>(() => ShardedSafeTensors.Read(index));
        Assert.Equal("a", error.TensorName);
        Assert.Contains("not a plain shard file name", error.Message);
    }

    [Fact]
    public void Index_without_weight_map_is_rejected()
    {
        string index = _directory.File(ShardedSafeTensors.IndexFileName);
        File.WriteAllText(index, "{\"metadata\":{}}");
        var error = Assert.Throws<CheckpointFormatException>(() => ShardedSafeTensors.Read(index));
        Assert.Contains("weight_map", error.Message);
        Assert.Contains(index, error.Message);
    }
}
