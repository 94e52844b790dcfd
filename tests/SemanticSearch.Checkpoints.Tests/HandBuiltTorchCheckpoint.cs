using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace SemanticSearch.Checkpoints.Tests;

/// <summary>
/// Writes pickle opcodes by hand, the way torch.save lays out a state dict, so tests can create the
/// broken checkpoints real torch never writes (views past their storage, wrong sizes, odd opcodes).
/// Only the opcodes these tests need are offered.
/// </summary>
internal sealed class PickleBuilder
{
    private readonly MemoryStream _bytes = new();

    public PickleBuilder Raw(params byte[] bytes) { _bytes.Write(bytes); return this; }
    public PickleBuilder Proto(byte version = 2) => Raw(0x80, version);
    public PickleBuilder Mark() => Raw((byte)'(');
    public PickleBuilder EmptyDict() => Raw((byte)'}');
    public PickleBuilder EmptyTuple() => Raw((byte)')');
    public PickleBuilder Tuple() => Raw((byte)'t');
    public PickleBuilder SetItems() => Raw((byte)'u');
    public PickleBuilder Reduce() => Raw((byte)'R');
    public PickleBuilder PersistentId() => Raw((byte)'Q');
    public PickleBuilder False() => Raw(0x89);
    public PickleBuilder Stop() => Raw((byte)'.');
    public PickleBuilder Global(string module, string name) => Raw((byte)'c').Raw(Encoding.ASCII.GetBytes($"{module}\n{name}\n"));
    public PickleBuilder Int(byte value) => Raw((byte)'K', value);

    public PickleBuilder String(string value)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(value);
        var length = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)utf8.Length);
        return Raw((byte)'X').Raw(length).Raw(utf8);
    }

    public PickleBuilder IntTuple(params byte[] values)
    {
        Mark();
        foreach (byte value in values)
        {
            Int(value);
        }

        return Tuple();
    }

    /// <summary><c>_rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())</c>, as torch.save emits it.</summary>
    public PickleBuilder Tensor(string storageType, string key, byte numel, byte offset, byte[] size, byte[] stride)
    {
        Global("torch._utils", "_rebuild_tensor_v2").Mark();
        Mark().String("storage").Global("torch", storageType).String(key).String("cpu").Int(numel).Tuple().PersistentId();
        Int(offset).IntTuple(size).IntTuple(stride).False().Global("collections", "OrderedDict").EmptyTuple().Reduce();
        return Tuple().Reduce();
    }

    /// <summary>A dict of named tensors: <c>{name: tensor, ...}</c>, each added by <paramref name="addTensors"/>.</summary>
    public static byte[] StateDict(Action<PickleBuilder> addTensors)
    {
        var builder = new PickleBuilder().Proto().EmptyDict().Mark();
        addTensors(builder);
        return builder.SetItems().Stop().ToArray();
    }

    public byte[] ToArray() => _bytes.ToArray();
}

/// <summary>Zips a pickle and storages in torch's layout: <c>folder/data.pkl</c>, <c>folder/data/&lt;key&gt;</c>.</summary>
internal static class HandBuiltTorchCheckpoint
{
    public static string Write(TemporaryDirectory directory, byte[] pickle, IReadOnlyDictionary<string, byte[]> storages,
        string folder = "archive", IReadOnlyDictionary<string, string>? extraEntries = null)
    {
        string path = directory.File("pytorch_model.bin");
        using (var archive = new ZipArchive(File.Create(path), ZipArchiveMode.Create))
        {
            Add(archive, $"{folder}/data.pkl", pickle);
            foreach ((string key, byte[] bytes) in storages)
            {
                Add(archive, $"{folder}/data/{key}", bytes);
            }

            foreach ((string name, string text) in extraEntries ?? new Dictionary<string, string>())
            {
                Add(archive, $"{folder}/{name}", Encoding.ASCII.GetBytes(text));
            }
        }

        return path;
    }

    private static void Add(ZipArchive archive, string name, byte[] bytes)
    {
        using Stream stream = archive.CreateEntry(name, CompressionLevel.NoCompression).Open();
        stream.Write(bytes);
    }
}
