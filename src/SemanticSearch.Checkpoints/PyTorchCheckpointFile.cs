using System.Collections.ObjectModel;
using System.Runtime.InteropServices;

namespace SemanticSearch.Checkpoints;

/// <summary>
/// Reads <c>pytorch_model.bin</c> files written by <c>torch.save</c> (PyTorch ≥ 1.6 zip format, see
/// <see cref="TorchZipArchive"/>). The pickle is read by <see cref="RestrictedUnpickler"/>, which
/// never executes anything; only the tensor-rebuild globals of a state dict are accepted.
/// </summary>
public static class PyTorchCheckpointFile
{
    /// <summary>
    /// Reads a flat state dict (name → tensor), in the state dict's own order. A checkpoint whose
    /// top-level dict has a single entry holding a dict (e.g. <c>{"state_dict": {...}}</c>) is
    /// unwrapped; anything else that is not a tensor is an error naming the entry.
    /// Views (transposes, slices, stride-0 broadcasts, shared storages) are materialized as
    /// contiguous row-major data.
    /// </summary>
    /// <exception cref="CheckpointFormatException">Malformed, unsupported or unsafe file.</exception>
    public static IReadOnlyDictionary<string, NamedTensor> Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        TensorElementDecoder.EnsureLittleEndianHost();
        using TorchZipArchive archive = TorchZipArchive.Open(path);
        object? root = RestrictedUnpickler.Load(path, archive.ReadPickle());
        List<(string Name, TensorReference Tensor)> references = FlattenStateDict(path, root);
        return Materialize(path, archive, references);
    }

    private static IReadOnlyDictionary<string, NamedTensor> Materialize(
        string path, TorchZipArchive archive, List<(string Name, TensorReference Tensor)> references)
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
            int[] shape = ToShape(path, name, tensor.Size);
            if (remainingUses[storage.Key] == 1 && !storages.ContainsKey(storage.Key)
                && TryReadWholeStorage(archive, name, shape, tensor) is { } direct)
            {
                tensors.Add(name, direct);
                remainingUses[storage.Key] = 0;
                continue;
            }

            if (!storages.TryGetValue(storage.Key, out var loaded))
            {
                loaded = (storage, archive.ReadStorage(name, storage));
                storages[storage.Key] = loaded;
            }
            else if (loaded.Reference.DType != storage.DType)
            {
                throw new CheckpointFormatException(path, name,
                    $"storage '{storage.Key}' is used as {storage.DType} here but as {loaded.Reference.DType} by another tensor");
            }

            ReadOnlySpan<byte> bytes = StridedTensorView.Materialize(path, name, tensor, loaded.Bytes);
            tensors.Add(name, TensorElementDecoder.Decode(name, shape, storage.DType, bytes));
            if (--remainingUses[storage.Key] == 0)
            {
                storages.Remove(storage.Key);
            }
        }

        return new ReadOnlyDictionary<string, NamedTensor>(tensors);
    }

    /// <summary>
    /// The common case in real checkpoints: a float32 (or int64) tensor that is the whole of its own
    /// storage. Its bytes are copied from the archive straight into the final array, saving a
    /// model-sized temporary buffer and a copy. Returns null when the tensor is anything else.
    /// </summary>
    private static NamedTensor? TryReadWholeStorage(TorchZipArchive archive, string name, int[] shape, TensorReference tensor)
    {
        StorageReference storage = tensor.Storage;
        if (storage.DType is not (TensorDType.F32 or TensorDType.I64) || tensor.StorageOffset != 0
            || !StridedTensorView.IsContiguous(tensor.Size, tensor.Stride)
            || NamedTensor.CountElements(shape, name) != storage.ElementCount)
        {
            return null;
        }

        if (storage.DType == TensorDType.F32)
        {
            var floats = new float[storage.ElementCount];
            archive.ReadStorageInto(name, storage, MemoryMarshal.AsBytes(floats.AsSpan()));
            return new NamedTensor(name, shape, floats, TensorDType.F32);
        }

        var longs = new long[storage.ElementCount];
        archive.ReadStorageInto(name, storage, MemoryMarshal.AsBytes(longs.AsSpan()));
        return NamedTensor.FromIntegers(name, shape, longs, TensorDType.I64);
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

    private static int[] ToShape(string path, string tensorName, long[] size)
    {
        var shape = new int[size.Length];
        long count = 1;
        for (int i = 0; i < size.Length; i++)
        {
            if (size[i] < 0 || size[i] > int.MaxValue)
            {
                throw new CheckpointFormatException(path, tensorName, $"dimension {i} has invalid size {size[i]}");
            }

            shape[i] = (int)size[i];
            count *= size[i];
            if (count > Array.MaxLength)
            {
                throw new CheckpointFormatException(path, tensorName, $"size [{string.Join(", ", size)}] is too large for one array");
            }
        }

        return shape;
    }
}
