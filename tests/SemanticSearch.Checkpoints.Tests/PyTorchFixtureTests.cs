namespace SemanticSearch.Checkpoints.Tests;

/// <summary>Reads checkpoints written by real torch.save (see tools/reference/make_checkpoint_fixtures.py).</summary>
public sealed class PyTorchFixtureTests
{
    [Theory]
    [InlineData("tiny_encoder_folder/pytorch_model.bin", "tiny_encoder_folder")] // OrderedDict state dict with _metadata, int64 position_ids
    [InlineData("dtypes.bin", "dtypes")]                                         // f16, bf16, f64 and every integer storage
    [InlineData("views.bin", "views")]                                           // transposes, slices, stride-0 broadcast, shared storage
    [InlineData("nested_state_dict.bin", "nested_state_dict")]                   // {"state_dict": {...}} is unwrapped
    [InlineData("parameters.bin", "parameters")]                                 // nn.Parameter via _rebuild_parameter
    [InlineData("protocol4.bin", "protocol4")]                                   // FRAME, SHORT_BINUNICODE, MEMOIZE, STACK_GLOBAL
    public void Torch_saved_checkpoint_matches_the_values_torch_recorded(string file, string fixture)
    {
        CheckpointFixtures.AssertMatches(fixture, PyTorchCheckpointFile.Read(CheckpointFixtures.File(file)));
    }

    [Fact]
    public void Views_are_materialized_in_row_major_order()
    {
        IReadOnlyDictionary<string, NamedTensor> tensors = PyTorchCheckpointFile.Read(CheckpointFixtures.File("views.bin"));
        // grid = arange(24).reshape(4, 6); checked directly so the expectation does not depend on the JSON alone.
        Assert.Equal([6, 4], tensors["transposed"].Shape);
        Assert.Equal([0f, 6f, 12f, 18f, 1f], tensors["transposed"].Data[..5]);
        Assert.Equal([1f, 2f, 7f, 8f, 13f, 14f, 19f, 20f], tensors["column_slice"].Data);
        Assert.Equal([12f, 13f], tensors["row_slice"].Data[..2]);
        Assert.Equal([0f, 3f, 12f, 15f], tensors["stepped"].Data);
        Assert.Equal([0f, 1f, 2f, 0f, 1f, 2f], tensors["broadcast"].Data);
        Assert.Equal([3.5f], tensors["scalar"].Data);
        Assert.Empty(tensors["scalar"].Shape);
        Assert.Empty(tensors["empty"].Data);
    }

    [Fact]
    public void Position_ids_keep_exact_int64_values()
    {
        IReadOnlyDictionary<string, NamedTensor> tensors = PyTorchCheckpointFile.Read(CheckpointFixtures.File("tiny_encoder_folder/pytorch_model.bin"));
        NamedTensor ids = tensors["position_ids"];
        Assert.Equal(TensorDType.I64, ids.SourceDType);
        Assert.Equal([1, 6], ids.Shape);
        Assert.Equal([0L, 1, 2, 3, 4, 5], ids.IntegerValues!);
        Assert.Equal([(1L << 62) + 1, -5L], PyTorchCheckpointFile.Read(CheckpointFixtures.File("dtypes.bin"))["big_int64"].IntegerValues!);
    }

    [Theory]
    [InlineData("malicious_os_system.bin", "'os.system'")]
    [InlineData("malicious_torch_save.bin", "'posix.system'")]
    public void Pickle_calling_a_foreign_global_is_rejected_without_running_it(string file, string global)
    {
        const string marker = "/tmp/semanticsearch-pickle-was-executed";
        File.Delete(marker);
        string path = CheckpointFixtures.File(file);

        var error = Assert.Throws<CheckpointFormatException>(() => PyTorchCheckpointFile.Read(path));

        Assert.Contains(global, error.Message);
        Assert.Contains(path, error.Message);
        Assert.Contains("not allowed", error.Message);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public void Legacy_non_zip_format_is_rejected_clearly()
    {
        string path = CheckpointFixtures.File("legacy_format.bin");
        var error = Assert.Throws<CheckpointFormatException>(() => PyTorchCheckpointFile.Read(path));
        Assert.Contains("legacy (pre-1.6)", error.Message);
        Assert.Equal(path, error.FilePath);
    }

    [Fact]
    public void Checkpoint_that_is_not_a_dict_is_rejected()
    {
        var error = Assert.Throws<CheckpointFormatException>(() => PyTorchCheckpointFile.Read(CheckpointFixtures.File("list_not_dict.bin")));
        Assert.Contains("holds a list, not a state dict", error.Message);
    }

    [Fact]
    public void Non_tensor_value_is_rejected_naming_its_key()
    {
        var error = Assert.Throws<CheckpointFormatException>(() => PyTorchCheckpointFile.Read(CheckpointFixtures.File("non_tensor_value.bin")));
        Assert.Equal("step", error.TensorName);
        Assert.Contains("the integer 3, not a tensor", error.Message);
    }
}
