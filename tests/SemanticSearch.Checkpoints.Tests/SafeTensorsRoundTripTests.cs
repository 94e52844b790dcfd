using System.Buffers.Binary;
using System.Text;

namespace SemanticSearch.Checkpoints.Tests;

public sealed class SafeTensorsRoundTripTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    private static int[] Bits(float[] values) => values.Select(BitConverter.SingleToInt32Bits).ToArray();

    [Fact]
    public void F32_round_trip_is_bit_identical_including_special_values()
    {
        float[] special =
        [
            0f, -0f, 1f, -1.5f, float.Epsilon, -float.Epsilon, float.MaxValue, float.MinValue,
            float.PositiveInfinity, float.NegativeInfinity, BitConverter.Int32BitsToSingle(0x7FC00123), 3.14159274f,
        ];
        var random = new Random(7);
        float[] matrix = Enumerable.Range(0, 6 * 5).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        string path = _directory.File("model.safetensors");

        SafeTensorsFile.Write(path, [new NamedTensor("special", [12], special), new NamedTensor("layer.weight", [6, 5], matrix)]);
        IReadOnlyDictionary<string, NamedTensor> read = SafeTensorsFile.Read(path);

        Assert.Equal(Bits(special), Bits(read["special"].Data));
        Assert.Equal(Bits(matrix), Bits(read["layer.weight"].Data));
        Assert.Equal([6, 5], read["layer.weight"].Shape);
        Assert.Equal(TensorDType.F32, read["special"].SourceDType);
        Assert.Null(read["special"].IntegerValues!);

        // Writing what was read reproduces the file byte for byte.
        string again = _directory.File("again.safetensors");
        SafeTensorsFile.Write(again, read.Values);
        Assert.Equal(File.ReadAllBytes(path), File.ReadAllBytes(again));
    }

    [Fact]
    public void Layout_matches_the_reference_library_byte_for_byte()
    {
        string path = _directory.File("model.safetensors");
        SafeTensorsFile.Write(path, [new NamedTensor("b", [2], [2f, 3f]), new NamedTensor("a", [1, 1], [1f])]);
        byte[] bytes = File.ReadAllBytes(path);

        const string json =
            "{\"__metadata__\":{\"format\":\"pt\"},\"a\":{\"dtype\":\"F32\",\"shape\":[1,1],\"data_offsets\":[0,4]},"
            + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        string padded = json + new string(' ', (8 - json.Length % 8) % 8);
        byte[] expected = HandBuiltSafeTensors.Build(padded, HandBuiltSafeTensors.Floats(1f, 2f, 3f));
        Assert.Equal(0, padded.Length % 8);
        Assert.Equal(Encoding.ASCII.GetString(expected), Encoding.ASCII.GetString(bytes));
        Assert.Equal(expected, bytes);
    }

    [Fact]
    public void F16_round_trip_is_exact_for_representable_values()
    {
        float[] values = [0f, -0f, 0.5f, -2f, 65504f, MathF.Pow(2, -14), MathF.Pow(2, -24), 1.0009765625f, float.NegativeInfinity];
        string path = _directory.File("half.safetensors");

        SafeTensorsFile.Write(path, [new NamedTensor("h", [3, 3], values)], dtype: TensorDType.F16);
        NamedTensor read = SafeTensorsFile.Read(path)["h"];

        Assert.Equal(TensorDType.F16, read.SourceDType);
        Assert.Equal(Bits(values), Bits(read.Data));
        Assert.Equal(values.Length * 2, new FileInfo(path).Length - 8 - HeaderLength(path));
    }

    [Fact]
    public void F16_write_rounds_to_nearest()
    {
        string path = _directory.File("half.safetensors");
        SafeTensorsFile.Write(path, [new NamedTensor("h", [1], [1f / 3f])], dtype: TensorDType.F16);
        Assert.Equal((float)(Half)(1f / 3f), SafeTensorsFile.Read(path)["h"].Data[0]);
        Assert.Equal(0.333251953125f, SafeTensorsFile.Read(path)["h"].Data[0]);
    }

    [Fact]
    public void BF16_round_trip_is_exact_for_representable_values_and_rounds_ties_to_even()
    {
        float[] values = [1f, -3.5f, MathF.Pow(2, 100), 1.0078125f, 0f, float.PositiveInfinity];
        string path = _directory.File("bf16.safetensors");
        SafeTensorsFile.Write(path, [new NamedTensor("b", [6], values)], dtype: TensorDType.BF16);
        NamedTensor read = SafeTensorsFile.Read(path)["b"];
        Assert.Equal(TensorDType.BF16, read.SourceDType);
        Assert.Equal(Bits(values), Bits(read.Data));

        // 1 + 2^-8 lies halfway between 1 and 1 + 2^-7 (mantissa odd): ties go to the even neighbour 1.
        // 1 + 3·2^-8 lies halfway between 1 + 2^-7 (odd) and 1 + 2^-6 (even).
        SafeTensorsFile.Write(path, [new NamedTensor("b", [3], [1.00390625f, 1.01171875f, 1.005f])], dtype: TensorDType.BF16);
        Assert.Equal([1f, 1.015625f, 1.0078125f], SafeTensorsFile.Read(path)["b"].Data);
    }

    [Fact]
    public void Integer_tensors_keep_their_dtype_and_exact_values()
    {
        long[] positions = [0, 1, 2, long.MaxValue - 1];
        string path = _directory.File("ints.safetensors");
        SafeTensorsFile.Write(path,
        [
            new NamedTensor("a.weight", [2], [0.25f, -0.75f]),
            NamedTensor.FromIntegers("embeddings.position_ids", [1, 4], positions, TensorDType.I64),
            NamedTensor.FromIntegers("mask", [3], [1, 0, 1], TensorDType.Bool),
        ], dtype: TensorDType.F16);

        IReadOnlyDictionary<string, NamedTensor> read = SafeTensorsFile.Read(path);
        // Largest element size first, as the reference library lays data out.
        Assert.Equal(["embeddings.position_ids", "a.weight", "mask"], read.Keys);
        NamedTensor ids = read["embeddings.position_ids"];
        Assert.Equal(TensorDType.I64, ids.SourceDType);
        Assert.Equal(positions, ids.IntegerValues!);
        Assert.Equal([0f, 1f, 2f, (float)(long.MaxValue - 1)], ids.Data);
        Assert.Equal(TensorDType.Bool, read["mask"].SourceDType);
        Assert.Equal([1L, 0L, 1L], read["mask"].IntegerValues!);
        Assert.Equal(TensorDType.F16, read["a.weight"].SourceDType);
    }

    [Fact]
    public void Every_readable_dtype_decodes_to_the_stored_values()
    {
        var data = new List<byte>();
        data.AddRange(BitConverter.GetBytes(-2.5d));                          // F64 [0,8)
        data.AddRange(BitConverter.GetBytes(-123456));                         // I32 [8,12)
        data.AddRange(BitConverter.GetBytes((short)-300));                     // I16 [12,14)
        data.AddRange(new byte[] { 0xFE, 200, 1, 0 });                       // I8 [14,15) U8 [15,16) BOOL [16,18)
        string header = "{\"d\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[0,8]},"
            + "\"i32\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[8,12]},"
            + "\"i16\":{\"dtype\":\"I16\",\"shape\":[1],\"data_offsets\":[12,14]},"
            + "\"i8\":{\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[14,15]},"
            + "\"u8\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[15,16]},"
            + "\"flags\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[16,18]}}";
        string path = HandBuiltSafeTensors.WriteFile(_directory, header, data.ToArray());

        IReadOnlyDictionary<string, NamedTensor> read = SafeTensorsFile.Read(path);
        Assert.Equal([-2.5f], read["d"].Data);
        Assert.Empty(read["d"].Shape);
        Assert.Equal(1, read["d"].ElementCount);
        Assert.Equal([-123456L], read["i32"].IntegerValues!);
        Assert.Equal([-300L], read["i16"].IntegerValues!);
        Assert.Equal([-2L], read["i8"].IntegerValues!);
        Assert.Equal([200L], read["u8"].IntegerValues!);
        Assert.Equal([1L, 0L], read["flags"].IntegerValues!);
        Assert.Equal(["d", "i32", "i16", "i8", "u8", "flags"], read.Keys);
    }

    [Fact]
    public void Empty_and_scalar_tensors_round_trip()
    {
        string path = _directory.File("odd.safetensors");
        SafeTensorsFile.Write(path, [new NamedTensor("empty", [0, 3], []), new NamedTensor("scalar", [], [42f])]);
        IReadOnlyDictionary<string, NamedTensor> read = SafeTensorsFile.Read(path);
        Assert.Equal([0, 3], read["empty"].Shape);
        Assert.Empty(read["empty"].Data);
        Assert.Equal([42f], read["scalar"].Data);
    }

    [Fact]
    public void Names_with_quotes_and_non_ascii_characters_round_trip()
    {
        string[] names = ["quote\"d", "back\\slash", "café.weight", "emoji😀", "tab\tname"];
        string path = _directory.File("names.safetensors");
        SafeTensorsFile.Write(path, names.Select((n, i) => new NamedTensor(n, [1], [i])));
        IReadOnlyDictionary<string, NamedTensor> read = SafeTensorsFile.Read(path);
        Assert.Equal(names.Order(StringComparer.Ordinal), read.Keys);
        Assert.Equal([2f], read["café.weight"].Data);
    }

    [Fact]
    public void Caller_metadata_is_kept_and_format_is_added()
    {
        string path = _directory.File("meta.safetensors");
        SafeTensorsFile.Write(path, [new NamedTensor("w", [1], [1f])], new Dictionary<string, string> { ["source"] = "unit test" });
        IReadOnlyDictionary<string, string> metadata = SafeTensorsFile.ReadMetadata(path);
        Assert.Equal("unit test", metadata["source"]);
        Assert.Equal("pt", metadata["format"]);
    }

    [Fact]
    public void Large_model_sized_file_round_trips()
    {
        // ~24 MB of float32: exercises the bulk read path rather than a per-element one.
        var random = new Random(3);
        float[] big = new float[6_000_000];
        for (int i = 0; i < big.Length; i++)
        {
            big[i] = (float)random.NextDouble();
        }

        string path = _directory.File("big.safetensors");
        SafeTensorsFile.Write(path, [new NamedTensor("big", [3000, 2000], big)]);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        NamedTensor read = SafeTensorsFile.Read(path)["big"];
        watch.Stop();
        Assert.True(big.AsSpan().SequenceEqual(read.Data));
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"reading 24 MB took {watch.Elapsed}");
    }

    private static long HeaderLength(string path)
    {
        byte[] prefix = new byte[8];
        using FileStream stream = File.OpenRead(path);
        stream.ReadExactly(prefix);
        return (long)BinaryPrimitives.ReadUInt64LittleEndian(prefix);
    }
}
