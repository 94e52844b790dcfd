using System.Collections.ObjectModel;
using System.IO.Compression;
using System.Text;

namespace SemanticSearch.Checkpoints;

/// <summary>
/// Reads <c>pytorch_model.bin</c> files written by <c>torch.save</c> (PyTorch ≥ 1.6 zip format):
/// a zip holding <c>&lt;folder&gt;/data.pkl</c> (the pickled state dict) and one
/// <c>&lt;folder&gt;/data/&lt;key&gt;</c> entry per storage. The folder name varies with the file
/// name torch was given ("archive", "pytorch_model", ...), so it is discovered, not assumed.
/// The pickle is read by <see cref="RestrictedUnpickler"/>, which never executes anything.
/// </summary>
public static class PyTorchCheckpointFile
{
    /// <summary>
    /// Reads a flat state dict (name → tensor), in the state dict's own order. A checkpoint whose
    /// top-level dict has a single entry holding a dict (e.g. <c>{"state_dict": {...}}</c>) is
    /// unwrapped; anything else that is not a tensor is an error naming the entry.
    /// Views (transposes, slices, shared storages) are materialized as contiguous row-major data.
    /// </summary>
    /// <exception cref="CheckpointFormatException">Malformed, unsupported or unsafe file.</exception>
    public static IReadOnlyDictionary<string, NamedTensor> Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        TensorElementDecoder.EnsureLittleEndianHost();
        using FileStream file = File.OpenRead(path);
        RejectIfNotZip(path, file);
        using ZipArchive archive = OpenArchive(path, file);
        ZipArchiveEntry pickleEntry = FindDataPickle(path, archive);
        string prefix = pickleEntry.FullName[..^"data.pkl".Length];
        RejectBigEndian(path, archive, prefix);

        object? root = RestrictedUnpickler.Load(path, ReadEntry(path, null, pickleEntry));
        List<(string Name, TensorReference Tensor)> references = FlattenStateDict(path, root);
        return Materialize(path, archive, prefix, references);
    }

    private static IReadOnlyDictionary<string, NamedTensor> Materialize(
        string path, ZipArchive archive, string prefix, List<(string Name, TensorReference Tensor)> references)
    {
        // Storages can be shared by several tensors; keep each one only until its last user is built,
        // so peak memory stays near one copy of the model rather than two.
        var remainingUses = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach ((_, TensorReference tensor) in references)
        {
            remainingUses[tensor.Storage.Key] = remainingUses.GetValueOrDefault(tensor.Storage.Key) + 1;
        }

        var storages = new Dictionary<string, (StorageReference Reference, byte[] Bytes)>(StringComparer.Ordinal);
        var tensors = new OrderedDictionary<string, NamedTensor>(references.Count, StringComparer.Ordinal);
        foreach ((string name, TensorReference tensor) in references)
        {
            StorageReference storage = tensor.Storage;
            if (!storages.TryGetValue(storage.Key, out var loaded))
            {
                loaded = (storage, LoadStorage(path, archive, prefix, name, storage));
                storages[storage.Key] = loaded;
            }
            else if (loaded.Reference.DType != storage.DType)
            {
                throw new CheckpointFormatException(path, name,
                    $"storage '{storage.Key}' is used as {storage.DType} here but as {loaded.Reference.DType} by another tensor");
            }

            ReadOnlySpan<byte> bytes = StridedTensorView.Materialize(path, name, tensor, loaded.Bytes);
            tensors.Add(name, TensorElementDecoder.Decode(name, ToShape(path, name, tensor.Size), storage.DType, bytes));
            if (--remainingUses[storage.Key] == 0)
            {
                storages.Remove(storage.Key);
            }
        }

        return new ReadOnlyDictionary<string, NamedTensor>(tensors);
    }

    private static List<(string Name, TensorReference Tensor)> FlattenStateDict(string path, object? root)
    {
        if (root is not PickleDict dict)
        {
            throw new CheckpointFormatException(path, null, $"the checkpoint holds {TorchPickleGlobals.Describe(root)}, not a state dict");
        }

        if (dict.Entries is [{ Key: string, Value: PickleDict inner }])
        {
            dict = inner;
        }

        var result = new List<(string, TensorReference)>(dict.Entries.Count);
        foreach ((object? key, object? value) in dict.Entries)
        {
            if (key is not string name)
            {
                throw new CheckpointFormatException(path, null, $"state dict key {TorchPickleGlobals.Describe(key)} is not a string");
            }

            if (value is not TensorReference tensor)
            {
                throw new CheckpointFormatException(path, name,
                    $"value is {TorchPickleGlobals.Describe(value)}, not a tensor; only flat state dicts of tensors are supported");
            }

            result.Add((name, tensor));
        }

        return result;
    }

    private static byte[] LoadStorage(string path, ZipArchive archive, string prefix, string tensorName, StorageReference storage)
    {
        string entryName = prefix + "data/" + storage.Key;
        ZipArchiveEntry entry = archive.GetEntry(entryName)
            ?? throw new CheckpointFormatException(path, tensorName, $"its storage entry '{entryName}' is missing from the archive");
        if (storage.ElementCount > Array.MaxLength)
        {
            throw new CheckpointFormatException(path, tensorName, $"storage '{storage.Key}' declares {storage.ElementCount} elements, too many to load");
        }

        long expected = storage.ElementCount * storage.DType.ElementSize();
        if (entry.Length != expected)
        {
            throw new CheckpointFormatException(path, tensorName,
                $"storage entry '{entryName}' is {entry.Length} bytes but the pickle declares {storage.ElementCount} × {storage.DType} = {expected}");
        }

        return ReadEntry(path, tensorName, entry);
    }

    private static byte[] ReadEntry(string path, string? tensorName, ZipArchiveEntry entry)
    {
        if (entry.Length > Array.MaxLength)
        {
            throw new CheckpointFormatException(path, tensorName, $"archive entry '{entry.FullName}' is {entry.Length} bytes, too large to load");
        }

        byte[] bytes = GC.AllocateUninitializedArray<byte>((int)entry.Length);
        try
        {
            using Stream stream = entry.Open();
            stream.ReadExactly(bytes);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            throw new CheckpointFormatException(path, tensorName, $"archive entry '{entry.FullName}' cannot be read: {e.Message}", e);
        }

        return bytes;
    }

    private static void RejectIfNotZip(string path, FileStream file)
    {
        Span<byte> magic = stackalloc byte[4];
        int read = file.ReadAtLeast(magic, 4, throwOnEndOfStream: false);
        file.Position = 0;
        if (read == 4 && magic.SequenceEqual("PK\u0003\u0004"u8))
        {
            return;
        }

        // The pre-1.6 torch.save format is a bare sequence of pickles starting with the PROTO opcode.
        throw new CheckpointFormatException(path, null, read > 0 && magic[0] == 0x80
            ? "this is the legacy (pre-1.6) torch.save format, which is not supported; re-save it with a current PyTorch or convert it to safetensors"
            : "not a torch.save zip checkpoint (no zip signature)");
    }

    private static ZipArchive OpenArchive(string path, FileStream file)
    {
        try
        {
            var archive = new ZipArchive(file, ZipArchiveMode.Read, leaveOpen: true);
            // The central directory is parsed lazily; touch it here so a corrupt one is reported as such.
            _ = archive.Entries.Count;
            return archive;
        }
        catch (InvalidDataException e)
        {
            throw new CheckpointFormatException(path, null, $"not a readable zip archive (truncated or corrupt): {e.Message}", e);
        }
    }

    /// <summary>Finds the single <c>&lt;folder&gt;/data.pkl</c> at the top of the archive.</summary>
    private static ZipArchiveEntry FindDataPickle(string path, ZipArchive archive)
    {
        List<ZipArchiveEntry> candidates = archive.Entries
            .Where(entry => entry.FullName.EndsWith("/data.pkl", StringComparison.Ordinal)
                && entry.FullName.IndexOf('/') == entry.FullName.Length - "/data.pkl".Length)
            .ToList();
        return candidates switch
        {
            [var only] => only,
            [] => throw new CheckpointFormatException(path, null, "the zip has no '<folder>/data.pkl'; it is not a torch.save checkpoint"),
            _ => throw new CheckpointFormatException(path, null,
                $"the zip has several data.pkl entries ({string.Join(", ", candidates.Select(c => c.FullName))})"),
        };
    }

    /// <summary>Newer torch versions record the writer's byte order; data written big-endian would decode as garbage.</summary>
    private static void RejectBigEndian(string path, ZipArchive archive, string prefix)
    {
        ZipArchiveEntry? entry = archive.GetEntry(prefix + "byteorder");
        if (entry is null)
        {
            return;
        }

        string order = Encoding.ASCII.GetString(ReadEntry(path, null, entry)).Trim();
        if (order != "little")
        {
            throw new CheckpointFormatException(path, null, $"storages are stored '{order}'-endian; only little-endian checkpoints are supported");
        }
    }

    private static int[] ToShape(string path, string tensorName, long[] size)
    {
        var shape = new int[size.Length];
        for (int i = 0; i < size.Length; i++)
        {
            shape[i] = size[i] <= int.MaxValue
                ? (int)size[i]
                : throw new CheckpointFormatException(path, tensorName, $"dimension {i} of size {size[i]} is too large");
        }

        return shape;
    }
}
