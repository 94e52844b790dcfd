namespace SemanticSearch.Checkpoints.Tests;

/// <summary>Malformed torch checkpoints, built by hand, must fail with errors naming the file (and tensor).</summary>
public sealed class PyTorchValidationTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private static readonly byte[] FourFloats = HandBuiltSafeTensors.Floats(1f, 2f, 3f, 4f);

    private static CheckpointFormatException AssertRejected(string path, string? tensor, string fragment)
    {
        var error = Assert.Throws<CheckpointFormatException>(() => PyTorchCheckpointFile.Read(path));
        Assert.Equal(path, error.FilePath);
        Assert.Contains(path, error.Message);
        Assert.Equal(tensor, error.TensorName);
        Assert.Contains(fragment, error.Message);
        return error;
    }

    [Fact]
    public void Hand_built_checkpoint_with_any_folder_name_is_read()
    {
        byte[] pickle = PickleBuilder.StateDict(p => p
            .String("dense.weight").Tensor("FloatStorage", "0", 4, 0, [2, 2], [2, 1])
            .String("dense.weight_t").Tensor("FloatStorage", "0", 4, 0, [2, 2], [1, 2]));
        string path = HandBuiltTorchCheckpoint.Write(_directory, pickle, new Dictionary<string, byte[]> { ["0"] = FourFloats },
            folder: "some_other_name", extraEntries: new Dictionary<string, string> { ["byteorder"] = "little" });

        IReadOnlyDictionary<string, NamedTensor> tensors = PyTorchCheckpointFile.Read(path);

        Assert.Equal([1f, 2f, 3f, 4f], tensors["dense.weight"].Data);
        Assert.Equal([1f, 3f, 2f, 4f], tensors["dense.weight_t"].Data);
    }

    [Fact]
    public void View_reaching_past_its_storage_is_rejected()
    {
        byte[] pickle = PickleBuilder.StateDict(p => p.String("w").Tensor("FloatStorage", "0", 4, 2, [3], [1]));
        string path = HandBuiltTorchCheckpoint.Write(_directory, pickle, new Dictionary<string, byte[]> { ["0"] = FourFloats });
        AssertRejected(path, "w", "reaches element 4 of storage '0' which has 4");
    }

    [Fact]
    public void Storage_entry_of_the_wrong_size_is_rejected()
    {
        byte[] pickle = PickleBuilder.StateDict(p => p.String("w").Tensor("FloatStorage", "0", 5, 0, [5], [1]));
        string path = HandBuiltTorchCheckpoint.Write(_directory, pickle, new Dictionary<string, byte[]> { ["0"] = FourFloats });
        AssertRejected(path, "w", "is 16 bytes but the pickle declares 5 × F32 = 20");
    }

    [Fact]
    public void Missing_storage_entry_is_rejected()
    {
        byte[] pickle = PickleBuilder.StateDict(p => p.String("w").Tensor("FloatStorage", "7", 4, 0, [4], [1]));
        string path = HandBuiltTorchCheckpoint.Write(_directory, pickle, new Dictionary<string, byte[]> { ["0"] = FourFloats });
        AssertRejected(path, "w", "'archive/data/7' is missing");
    }

    [Fact]
    public void One_storage_read_as_two_dtypes_is_rejected()
    {
        byte[] pickle = PickleBuilder.StateDict(p => p
            .String("a").Tensor("FloatStorage", "0", 4, 0, [4], [1])
            .String("b").Tensor("IntStorage", "0", 4, 0, [4], [1]));
        string path = HandBuiltTorchCheckpoint.Write(_directory, pickle, new Dictionary<string, byte[]> { ["0"] = FourFloats });
        AssertRejected(path, "b", "used as I32 here but as F32");
    }

    [Fact]
    public void Unlisted_torch_global_is_rejected()
    {
        byte[] pickle = PickleBuilder.StateDict(p => p.String("w").Global("torch", "load"));
        string path = HandBuiltTorchCheckpoint.Write(_directory, pickle, new Dictionary<string, byte[]>());
        AssertRejected(path, null, "'torch.load', which is not allowed");
    }

    [Fact]
    public void Unsupported_opcode_is_rejected_with_its_position()
    {
        // 'i' (INST) instantiates an arbitrary class in protocol 0; torch.save never emits it.
        byte[] pickle = new PickleBuilder().Proto().Raw((byte)'i').Stop().ToArray();
        string path = HandBuiltTorchCheckpoint.Write(_directory, pickle, new Dictionary<string, byte[]>());
        AssertRejected(path, null, "unsupported pickle opcode 0x69 at byte 2");
    }

    [Fact]
    public void Truncated_pickle_is_rejected()
    {
        byte[] full = PickleBuilder.StateDict(p => p.String("w").Tensor("FloatStorage", "0", 4, 0, [4], [1]));
        string path = HandBuiltTorchCheckpoint.Write(_directory, full[..20], new Dictionary<string, byte[]> { ["0"] = FourFloats });
        AssertRejected(path, null, "truncated data.pkl");
    }

    [Fact]
    public void Memo_read_before_write_is_rejected()
    {
        byte[] pickle = new PickleBuilder().Proto().Raw((byte)'h', 9).Stop().ToArray();
        string path = HandBuiltTorchCheckpoint.Write(_directory, pickle, new Dictionary<string, byte[]>());
        AssertRejected(path, null, "memo slot 9");
    }

    [Fact]
    public void Big_endian_checkpoint_is_rejected()
    {
        byte[] pickle = PickleBuilder.StateDict(p => p.String("w").Tensor("FloatStorage", "0", 4, 0, [4], [1]));
        string path = HandBuiltTorchCheckpoint.Write(_directory, pickle, new Dictionary<string, byte[]> { ["0"] = FourFloats },
            extraEntries: new Dictionary<string, string> { ["byteorder"] = "big" });
        AssertRejected(path, null, "'big'-endian");
    }

    [Fact]
    public void Zip_without_data_pkl_is_rejected()
    {
        string path = HandBuiltTorchCheckpoint.Write(_directory, [], new Dictionary<string, byte[]>(), folder: "a/b");
        AssertRejected(path, null, "no '<folder>/data.pkl'");
    }

    [Fact]
    public void Truncated_zip_is_rejected()
    {
        string source = CheckpointFixtures.File("views.bin");
        string path = _directory.File("pytorch_model.bin");
        byte[] bytes = File.ReadAllBytes(source);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        AssertRejected(path, null, "zip");
    }

    [Fact]
    public void File_that_is_not_a_zip_is_rejected()
    {
        string path = _directory.File("pytorch_model.bin");
        File.WriteAllText(path, "<html>not found</html>");
        AssertRejected(path, null, "no zip signature");
    }
}
