using System.IO.Compression;
using System.Text;

namespace SemanticSearch.Checkpoints;

/// <summary>
/// The zip container of a torch.save checkpoint (PyTorch ≥ 1.6): <c>&lt;folder&gt;/data.pkl</c>
/// holds the pickled object and <c>&lt;folder&gt;/data/&lt;key&gt;</c> one storage each. The folder
/// name follows the file name torch was given ("archive", "pytorch_model", ...), so it is
/// discovered, not assumed. Every failure is reported as a <see cref="CheckpointFormatException"/>
/// naming the checkpoint file.
/// </summary>
internal sealed class TorchZipArchive : IDisposable
{
    private readonly string _path;
    private readonly FileStream _file;
    private readonly ZipArchive _archive;
    private readonly ZipArchiveEntry _pickleEntry;
    private readonly string _prefix;

    private TorchZipArchive(string path, FileStream file, ZipArchive archive, ZipArchiveEntry pickleEntry)
    {
        _path = path;
        _file = file;
        _archive = archive;
        _pickleEntry = pickleEntry;
        _prefix = pickleEntry.FullName[..^"data.pkl".Length];
    }

    public static TorchZipArchive Open(string path)
    {
        FileStream file = File.OpenRead(path);
        try
        {
            RejectIfNotZip(path, file);
            ZipArchive archive = OpenZip(path, file);
            var result = new TorchZipArchive(path, file, archive, FindDataPickle(path, archive));
            result.RejectBigEndian();
            return result;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    public byte[] ReadPickle() => ReadEntry(null, _pickleEntry);

    /// <summary>All bytes of a storage, after checking the entry size against the pickle's element count.</summary>
    public byte[] ReadStorage(string tensorName, StorageReference storage) => ReadEntry(tensorName, FindStorage(tensorName, storage));

    /// <summary>Reads a storage straight into <paramref name="destination"/> (exactly its size): no intermediate buffer.</summary>
    public void ReadStorageInto(string tensorName, StorageReference storage, Span<byte> destination)
    {
        ZipArchiveEntry entry = FindStorage(tensorName, storage);
        if (entry.Length != destination.Length)
        {
            throw new ArgumentException($"destination is {destination.Length} bytes, storage is {entry.Length}", nameof(destination));
        }

        CopyEntry(tensorName, entry, destination);
    }

    private ZipArchiveEntry FindStorage(string tensorName, StorageReference storage)
    {
        string entryName = _prefix + "data/" + storage.Key;
        ZipArchiveEntry entry = _archive.GetEntry(entryName)
            ?? throw new CheckpointFormatException(_path, tensorName, $"its storage entry '{entryName}' is missing from the archive");
        if (storage.ElementCount > Array.MaxLength)
        {
            throw new CheckpointFormatException(_path, tensorName, $"storage '{storage.Key}' declares {storage.ElementCount} elements, too many to load");
        }

        long expected = storage.ElementCount * storage.DType.ElementSize();
        if (entry.Length != expected)
        {
            throw new CheckpointFormatException(_path, tensorName,
                $"storage entry '{entryName}' is {entry.Length} bytes but the pickle declares {storage.ElementCount} × {storage.DType} = {expected}");
        }

        return entry;
    }

    private byte[] ReadEntry(string? tensorName, ZipArchiveEntry entry)
    {
        if (entry.Length > Array.MaxLength)
        {
            throw new CheckpointFormatException(_path, tensorName, $"archive entry '{entry.FullName}' is {entry.Length} bytes, too large to load");
        }

        byte[] bytes = GC.AllocateUninitializedArray<byte>((int)entry.Length);
        CopyEntry(tensorName, entry, bytes);
        return bytes;
    }

    private void CopyEntry(string? tensorName, ZipArchiveEntry entry, Span<byte> destination)
    {
        try
        {
            using Stream stream = entry.Open();
            stream.ReadExactly(destination);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            throw new CheckpointFormatException(_path, tensorName, $"archive entry '{entry.FullName}' cannot be read: {e.Message}", e);
        }
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

    private static ZipArchive OpenZip(string path, FileStream file)
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
    private void RejectBigEndian()
    {
        ZipArchiveEntry? entry = _archive.GetEntry(_prefix + "byteorder");
        if (entry is null)
        {
            return;
        }

        string order = Encoding.ASCII.GetString(ReadEntry(null, entry)).Trim();
        if (order != "little")
        {
            throw new CheckpointFormatException(_path, null, $"storages are stored '{order}'-endian; only little-endian checkpoints are supported");
        }
    }

    public void Dispose()
    {
        _archive.Dispose();
        _file.Dispose();
    }
}
