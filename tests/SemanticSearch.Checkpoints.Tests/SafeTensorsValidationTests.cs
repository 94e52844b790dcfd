namespace SemanticSearch.Checkpoints.Tests;

/// <summary>Every malformed file must fail with a message naming the file and, where relevant, the tensor.</summary>
public sealed class SafeTensorsValidationTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private static CheckpointFormatException AssertRejected(string path, string? tensor, string expectedFragment)
    {
        var error = Assert.Throws<CheckpointFormatException>(() => SafeTensorsFile.Read(path));
        Assert.Equal(path, error.FilePath);
        Assert.Contains(path, error.Message);
        Assert.Equal(tensor, error.TensorName);
        if (tensor is not null)
        {
            Assert.Contains($"'{tensor}'", error.Message);
        }

        Assert.Contains(expectedFragment, error.Message);
        return error;
    }

    [Fact]
    public void File_shorter_than_the_length_prefix_is_rejected()
    {
        string path = _directory.File("short.safetensors");
        File.WriteAllBytes(path, [1, 2, 3]);
        AssertRejected(path, null, "too short");
    }

    [Fact]
    public void Header_length_beyond_the_file_is_rejected()
    {
        string path = HandBuiltSafeTensors.WriteFile(_directory, "{}", [], declaredHeaderLength: 4096);
        AssertRejected(path, null, "header length 4096 extends beyond the end of the file");
    }

    [Fact]
    public void Header_that_is_not_json_is_rejected()
    {
        string path = HandBuiltSafeTensors.WriteFile(_directory, "{\"w\": {\"dtype\": \"F32\",", []);
        AssertRejected(path, null, "not valid JSON");
    }

    [Fact]
    public void Header_that_is_not_an_object_is_rejected()
    {
        string path = HandBuiltSafeTensors.WriteFile(_directory, "[1, 2]", []);
        AssertRejected(path, null, "must be a JSON object");
    }

    [Fact]
    public void Unknown_dtype_is_rejected_naming_the_tensor()
    {
        string path = HandBuiltSafeTensors.WriteFile(_directory,
            "{\"encoder.weight\":{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[0,2]}}", new byte[2]);
        AssertRejected(path, "encoder.weight", "unknown or unsupported dtype 'F8_E4M3'");
    }

    [Fact]
    public void Shape_times_dtype_size_different_from_byte_length_is_rejected()
    {
        string path = HandBuiltSafeTensors.WriteFile(_directory,
            "{\"pooler.dense.weight\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}", new byte[20]);
        AssertRejected(path, "pooler.dense.weight", "needs 24 bytes but data_offsets [0, 20] span 20");
    }

    [Fact]
    public void Offsets_beyond_the_data_section_are_rejected()
    {
        string path = HandBuiltSafeTensors.WriteFile(_directory,
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[100,108]}}",
            new byte[12]);
        AssertRejected(path, "b", "extend beyond the data section (12 bytes)");
    }

    [Fact]
    public void Truncated_file_is_rejected_naming_the_cut_tensor()
    {
        byte[] full = HandBuiltSafeTensors.Build(
            "{\"embeddings.word_embeddings.weight\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}",
            HandBuiltSafeTensors.Floats(1, 2, 3, 4));
        string path = _directory.File("truncated.safetensors");
        File.WriteAllBytes(path, full[..^5]);
        AssertRejected(path, "embeddings.word_embeddings.weight", "truncated");
    }

    [Fact]
    public void Overlapping_offsets_are_rejected()
    {
        string path = HandBuiltSafeTensors.WriteFile(_directory,
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
            new byte[12]);
        AssertRejected(path, "b", "overlap tensor 'a'");
    }

    [Fact]
    public void Gap_between_tensors_is_rejected()
    {
        string path = HandBuiltSafeTensors.WriteFile(_directory,
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
            new byte[12]);
        AssertRejected(path, "b", "leave bytes [4, 8)");
    }

    [Fact]
    public void Trailing_bytes_not_covered_by_any_tensor_are_rejected()
    {
        string path = HandBuiltSafeTensors.WriteFile(_directory,
            "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[10]);
        AssertRejected(path, null, "6 trailing bytes");
    }

    [Fact]
    public void Duplicate_tensor_names_are_rejected()
    {
        string path = HandBuiltSafeTensors.WriteFile(_directory,
            "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
            new byte[8]);
        AssertRejected(path, "w", "more than once");
    }

    [Fact]
    public void Negative_dimension_is_rejected()
    {
        string path = HandBuiltSafeTensors.WriteFile(_directory,
            "{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", new byte[4]);
        AssertRejected(path, "w", "shape dimension 0");
    }

    [Fact]
    public void Missing_data_offsets_is_rejected()
    {
        string path = HandBuiltSafeTensors.WriteFile(_directory, "{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", new byte[4]);
        AssertRejected(path, "w", "data_offsets");
    }

    [Fact]
    public void Non_string_metadata_value_is_rejected()
    {
        string path = HandBuiltSafeTensors.WriteFile(_directory, "{\"__metadata__\":{\"format\":1}}", []);
        AssertRejected(path, null, "'format' must be a string");
    }

    [Fact]
    public void Metadata_alone_is_read_without_tensors()
    {
        string path = HandBuiltSafeTensors.WriteFile(_directory, "{\"__metadata__\":{\"format\":\"pt\",\"x\":\"y\"}}  ", []);
        IReadOnlyDictionary<string, string> metadata = SafeTensorsFile.ReadMetadata(path);
        Assert.Equal("pt", metadata["format"]);
        Assert.Equal("y", metadata["x"]);
        Assert.Empty(SafeTensorsFile.Read(path));
    }
}
