using System.IO.Compression;

namespace SemanticSearch.Checkpoints.Tests;

/// <summary>
/// Damaged files must fail with <see cref="CheckpointFormatException"/> (which names the file), never
/// with an IndexOutOfRange, InvalidCast or similar that would leave the user guessing which file broke.
/// </summary>
public sealed class CorruptionRobustnessTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Every_truncation_of_a_safetensors_file_is_reported_as_a_format_error()
    {
        string source = _directory.File("source.safetensors");
        SafeTensorsFile.Write(source,
        [
            new NamedTensor("a", [2, 2], [1f, 2f, 3f, 4f]),
            NamedTensor.FromIntegers("ids", [3], [0, 1, 2], TensorDType.I64),
        ]);
        byte[] bytes = File.ReadAllBytes(source);
        string path = _directory.File("cut.safetensors");
        for (int length = 0; length < bytes.Length; length++)
        {
            File.WriteAllBytes(path, bytes[..length]);
            var error = Assert.Throws<CheckpointFormatException>(() => SafeTensorsFile.Read(path));
            Assert.Equal(path, error.FilePath);
        }
    }

    [Fact]
    public void Every_truncation_of_a_torch_pickle_is_reported_as_a_format_error()
    {
        (byte[] pickle, Dictionary<string, byte[]> storages) = UnpackFixture("tiny_encoder_folder/pytorch_model.bin");
        for (int length = 0; length < pickle.Length; length++)
        {
            string path = HandBuiltTorchCheckpoint.Write(_directory, pickle[..length], storages, folder: "pytorch_model");
            var error = Assert.Throws<CheckpointFormatException>(() => PyTorchCheckpointFile.Read(path));
            Assert.Equal(path, error.FilePath);
        }
    }

    [Fact]
    public void Randomly_corrupted_torch_pickles_load_or_fail_with_a_format_error()
    {
        (byte[] pickle, Dictionary<string, byte[]> storages) = UnpackFixture("views.bin");
        var random = new Random(42);
        int rejected = 0;
        for (int trial = 0; trial < 300; trial++)
        {
            byte[] damaged = (byte[])pickle.Clone();
            for (int flips = random.Next(1, 4); flips > 0; flips--)
            {
                damaged[random.Next(damaged.Length)] = (byte)random.Next(256);
            }

            string path = HandBuiltTorchCheckpoint.Write(_directory, damaged, storages, folder: "views");
            try
            {
                PyTorchCheckpointFile.Read(path);
            }
            catch (CheckpointFormatException error)
            {
                Assert.Equal(path, error.FilePath);
                rejected++;
            }
        }

        // Most random damage must be detected; a flip inside a float constant or a name may still load.
        Assert.True(rejected > 150, $"only {rejected} of 300 corrupted pickles were rejected");
    }

    [Fact]
    public void Randomly_corrupted_safetensors_headers_load_or_fail_with_a_format_error()
    {
        string source = _directory.File("source.safetensors");
        SafeTensorsFile.Write(source, [new NamedTensor("a.weight", [2, 3], new float[6]), new NamedTensor("b", [1], [1f])]);
        byte[] bytes = File.ReadAllBytes(source);
        int headerEnd = 8 + BitConverter.ToInt32(bytes, 0);
        var random = new Random(7);
        string path = _directory.File("damaged.safetensors");
        for (int trial = 0; trial < 300; trial++)
        {
            byte[] damaged = (byte[])bytes.Clone();
            damaged[random.Next(headerEnd)] = (byte)random.Next(256);
            File.WriteAllBytes(path, damaged);
            try
            {
                SafeTensorsFile.Read(path);
            }
            catch (CheckpointFormatException error)
            {
                Assert.Equal(path, error.FilePath);
            }
        }
    }

    [Fact]
    public void Randomly_corrupted_zip_containers_load_or_fail_with_a_format_error()
    {
        byte[] bytes = File.ReadAllBytes(CheckpointFixtures.File("views.bin"));
        var random = new Random(11);
        string path = _directory.File("pytorch_model.bin");
        for (int trial = 0; trial < 300; trial++)
        {
            byte[] damaged = (byte[])bytes.Clone();
            for (int flips = random.Next(1, 4); flips > 0; flips--)
            {
                damaged[random.Next(damaged.Length)] = (byte)random.Next(256);
            }

            File.WriteAllBytes(path, damaged);
            try
            {
                PyTorchCheckpointFile.Read(path);
            }
            catch (CheckpointFormatException error)
            {
                Assert.Equal(path, error.FilePath);
            }
        }
    }

    /// <summary>Pulls data.pkl and the storages out of a committed torch fixture so tests can damage them.</summary>
    private static (byte[] Pickle, Dictionary<string, byte[]> Storages) UnpackFixture(string relativePath)
    {
        using ZipArchive archive = ZipFile.OpenRead(CheckpointFixtures.File(relativePath));
        byte[] pickle = [];
        var storages = new Dictionary<string, byte[]>();
        foreach (ZipArchiveEntry entry in archive.Entries)
        {
            using var buffer = new MemoryStream();
            using (Stream stream = entry.Open())
            {
                stream.CopyTo(buffer);
            }

            string[] parts = entry.FullName.Split('/');
            if (parts is [_, "data.pkl"])
            {
                pickle = buffer.ToArray();
            }
            else if (parts is [_, "data", string key])
            {
                storages[key] = buffer.ToArray();
            }
        }

        Assert.NotEmpty(pickle);
        return (pickle, storages);
    }
}
