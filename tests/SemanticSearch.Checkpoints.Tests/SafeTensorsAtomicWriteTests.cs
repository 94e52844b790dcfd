namespace SemanticSearch.Checkpoints.Tests;

/// <summary>A failed write must never damage the file it was meant to replace nor leave debris.</summary>
public sealed class SafeTensorsAtomicWriteTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private string WriteOriginal()
    {
        string path = _directory.File("model.safetensors");
        SafeTensorsFile.Write(path, [new NamedTensor("original", [2], [1f, 2f])]);
        return path;
    }

    private void AssertOnlyOriginalRemains(string path, byte[] before)
    {
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(["model.safetensors"], Directory.GetFiles(_directory.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Failure_while_streaming_data_leaves_the_existing_file_untouched()
    {
        string path = WriteOriginal();
        byte[] before = File.ReadAllBytes(path);
        // The first tensor is written fine; the second overflows float16 half-way through the data section.
        var tensors = new[]
        {
            new NamedTensor("a.ok", [3], [1f, 2f, 3f]),
            new NamedTensor("b.too_big", [3], [1f, 1e6f, 2f]),
        };

        var error = Assert.Throws<ArgumentException>(() => SafeTensorsFile.Write(path, tensors, dtype: TensorDType.F16));

        Assert.Contains(path, error.Message);
        Assert.Contains("'b.too_big'", error.Message);
        Assert.Contains("does not fit in F16", error.Message);
        AssertOnlyOriginalRemains(path, before);
    }

    [Fact]
    public void Duplicate_names_are_rejected_before_touching_the_file()
    {
        string path = WriteOriginal();
        byte[] before = File.ReadAllBytes(path);
        var error = Assert.Throws<ArgumentException>(() => SafeTensorsFile.Write(path,
            [new NamedTensor("w", [1], [1f]), new NamedTensor("w", [1], [2f])]));
        Assert.Contains("'w'", error.Message);
        AssertOnlyOriginalRemains(path, before);
    }

    [Fact]
    public void Integer_value_outside_its_dtype_is_rejected()
    {
        string path = WriteOriginal();
        byte[] before = File.ReadAllBytes(path);
        var error = Assert.Throws<ArgumentException>(() => SafeTensorsFile.Write(path,
            [NamedTensor.FromIntegers("ids", [2], [5, 300], TensorDType.I8)]));
        Assert.Contains("'ids'", error.Message);
        Assert.Contains("300", error.Message);
        AssertOnlyOriginalRemains(path, before);
    }

    [Fact]
    public void Unsupported_output_dtype_is_rejected()
    {
        string path = WriteOriginal();
        Assert.Throws<ArgumentException>(() => SafeTensorsFile.Write(path, [new NamedTensor("w", [1], [1f])], dtype: TensorDType.I32));
    }

    [Fact]
    public void Successful_write_replaces_the_file_and_leaves_no_temporary_file()
    {
        string path = WriteOriginal();
        SafeTensorsFile.Write(path, [new NamedTensor("replacement", [1], [9f])]);
        Assert.Equal(["replacement"], SafeTensorsFile.Read(path).Keys);
        Assert.Single(Directory.GetFiles(_directory.Path));
    }

    [Fact]
    public void Writing_into_a_missing_directory_names_the_target()
    {
        string path = Path.Combine(_directory.Path, "missing", "model.safetensors");
        var error = Assert.Throws<DirectoryNotFoundException>(() => SafeTensorsFile.Write(path, [new NamedTensor("w", [1], [1f])]));
        Assert.Contains(path, error.Message);
    }
}
