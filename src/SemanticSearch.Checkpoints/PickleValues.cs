namespace SemanticSearch.Checkpoints;

// The only kinds of object the restricted unpickler ever builds. Nothing here can run code: a
// pickle is reduced to plain data, and the few allowed callables are interpreted, never invoked.

/// <summary>A module-level name the pickle refers to (GLOBAL / STACK_GLOBAL), already checked against the allow-list.</summary>
internal sealed record PickleGlobal(string Module, string Name)
{
    public override string ToString() => $"{Module}.{Name}";
}

/// <summary>A Python tuple.</summary>
internal sealed record PickleTuple(object?[] Items);

/// <summary>A Python list.</summary>
internal sealed class PickleList
{
    public List<object?> Items { get; } = [];
}

/// <summary>A Python dict or OrderedDict; keeps insertion order, which is the state-dict order.</summary>
internal sealed class PickleDict
{
    // Index by key so a state dict with thousands of entries is not quadratic to build.
    private readonly Dictionary<object, int> _positions = [];
    private int _nullKeyPosition = -1;

    public List<KeyValuePair<object?, object?>> Entries { get; } = [];

    public void Set(object? key, object? value)
    {
        int existing = key is null ? _nullKeyPosition : _positions.GetValueOrDefault(key, -1);
        if (existing >= 0)
        {
            Entries[existing] = new(key, value);
            return;
        }

        if (key is null)
        {
            _nullKeyPosition = Entries.Count;
        }
        else
        {
            _positions[key] = Entries.Count;
        }

        Entries.Add(new(key, value));
    }
}

/// <summary>A torch storage named by a persistent id: <c>('storage', torch.FloatStorage, key, location, numel)</c>.</summary>
internal sealed record StorageReference(TensorDType DType, string Key, string Location, long ElementCount);

/// <summary>What <c>torch._utils._rebuild_tensor_v2</c> would build: a strided view of a storage.</summary>
internal sealed record TensorReference(StorageReference Storage, long StorageOffset, long[] Size, long[] Stride);
