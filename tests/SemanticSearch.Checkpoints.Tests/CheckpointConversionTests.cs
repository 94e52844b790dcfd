namespace SemanticSearch.Checkpoints.Tests;

/// <summary>Converting a torch checkpoint to safetensors (what `save` of a loaded model does) loses nothing.</summary>
public sealed class CheckpointConversionTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData("tiny_encoder_folder/pytorch_model.bin", "tiny_encoder_folder")]
    [InlineData("views.bin", "views")]
    public void Torch_checkpoint_written_as_safetensors_reads_back_identically(string file, string fixture)
    {
        IReadOnlyDictionary<string, NamedTensor> original = PyTorchCheckpointFile.Read(CheckpointFixtures.File(file));
        string path = _directory.File("model.safetensors");

        SafeTensorsFile.Write(path, original.Values);
        IReadOnlyDictionary<string, NamedTensor> converted = SafeTensorsFile.Read(path);

        Assert.Equal(original.Keys.Order(StringComparer.Ordinal), converted.Keys.Order(StringComparer.Ordinal));
        foreach ((string name, NamedTensor tensor) in original)
        {
            NamedTensor copy = converted[name];
            Assert.Equal(tensor.Shape, copy.Shape);
            Assert.Equal(tensor.IntegerValues, copy.IntegerValues);
            Assert.Equal(tensor.Data.Select(BitConverter.SingleToInt32Bits), copy.Data.Select(BitConverter.SingleToInt32Bits));
        }

        // Integer buffers keep their dtype; float tensors become the requested F32.
        if (fixture == "tiny_encoder_folder")
        {
            Assert.Equal(TensorDType.I64, converted["position_ids"].SourceDType);
            Assert.Equal(TensorDType.F32, converted["dense.weight"].SourceDType);
        }
    }
}
