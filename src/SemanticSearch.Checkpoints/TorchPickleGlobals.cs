namespace SemanticSearch.Checkpoints;

/// <summary>
/// The allow-list of globals a torch.save'd state dict needs, and what each one means. A pickle may
/// name any Python callable; an ordinary unpickler would import and call it, which is how malicious
/// checkpoints run code. Here a global outside this list stops loading immediately, and the allowed
/// ones are interpreted as data descriptions, never executed.
/// </summary>
internal static class TorchPickleGlobals
{
    private static readonly Dictionary<string, TensorDType> StorageTypes = new(StringComparer.Ordinal)
    {
        ["FloatStorage"] = TensorDType.F32,
        ["HalfStorage"] = TensorDType.F16,
        ["BFloat16Storage"] = TensorDType.BF16,
        ["DoubleStorage"] = TensorDType.F64,
        ["LongStorage"] = TensorDType.I64,
        ["IntStorage"] = TensorDType.I32,
        ["ShortStorage"] = TensorDType.I16,
        ["CharStorage"] = TensorDType.I8,
        ["ByteStorage"] = TensorDType.U8,
        ["BoolStorage"] = TensorDType.Bool,
    };

    private const string RebuildTensor = "torch._utils._rebuild_tensor_v2";
    private const string RebuildParameter = "torch._utils._rebuild_parameter";
    private const string RebuildParameterWithState = "torch._utils._rebuild_parameter_with_state";
    private const string OrderedDict = "collections.OrderedDict";

    private static readonly HashSet<string> Callables = new(StringComparer.Ordinal)
    {
        OrderedDict, RebuildTensor, RebuildParameter, RebuildParameterWithState,
    };

    /// <summary>Resolves a GLOBAL opcode; throws for anything not on the allow-list.</summary>
    public static PickleGlobal Resolve(string path, string module, string name)
    {
        var global = new PickleGlobal(module, name);
        bool allowed = Callables.Contains(global.ToString()) || (module == "torch" && StorageTypes.ContainsKey(name));
        if (!allowed)
        {
            throw new CheckpointFormatException(path, null,
                $"pickle references global '{global}', which is not allowed in a weights file (only torch tensor-rebuild globals are; nothing in the file was executed)");
        }

        return global;
    }

    /// <summary>Interprets <c>callable(*args)</c> for the allowed callables (REDUCE opcode).</summary>
    public static object Reduce(string path, object? callable, object? arguments)
    {
        if (callable is not PickleGlobal global)
        {
            throw new CheckpointFormatException(path, null, $"pickle REDUCE applied to {Describe(callable)}, not to an allowed global");
        }

        if (arguments is not PickleTuple tuple)
        {
            throw new CheckpointFormatException(path, null, $"pickle REDUCE of '{global}' has {Describe(arguments)} as arguments instead of a tuple");
        }

        object?[] args = tuple.Items;
        switch (global.ToString())
        {
            case OrderedDict when args.Length == 0:
                return new PickleDict();
            case RebuildTensor when args.Length >= 4:
                return new TensorReference(
                    args[0] as StorageReference ?? throw Malformed(path, global, "argument 0 is not a storage"),
                    args[1] as long? ?? throw Malformed(path, global, "storage offset is not an integer"),
                    IntegerTuple(path, global, args[2], "size"),
                    IntegerTuple(path, global, args[3], "stride"));
            case RebuildParameter or RebuildParameterWithState when args.Length >= 1:
                // A Parameter is its data tensor plus autograd flags we have no use for.
                return args[0] as TensorReference ?? throw Malformed(path, global, "argument 0 is not a tensor");
            default:
                throw new CheckpointFormatException(path, null, $"pickle calls '{global}' with {args.Length} arguments, which a state dict never does");
        }
    }

    /// <summary>Interprets a persistent id (BINPERSID): <c>('storage', torch.XStorage, key, location, numel)</c>.</summary>
    public static StorageReference Storage(string path, object? persistentId)
    {
        if (persistentId is not PickleTuple { Items: ["storage", PickleGlobal type, string key, string location, long count] })
        {
            throw new CheckpointFormatException(path, null,
                $"persistent id {Describe(persistentId)} is not ('storage', type, key, location, numel)");
        }

        if (type.Module != "torch" || !StorageTypes.TryGetValue(type.Name, out TensorDType dtype))
        {
            throw new CheckpointFormatException(path, null, $"persistent id names '{type}', which is not a torch storage type");
        }

        if (count < 0)
        {
            throw new CheckpointFormatException(path, null, $"storage '{key}' has negative element count {count}");
        }

        return new StorageReference(dtype, key, location, count);
    }

    private static long[] IntegerTuple(string path, PickleGlobal global, object? value, string what)
    {
        if (value is not PickleTuple tuple)
        {
            throw Malformed(path, global, $"{what} is {Describe(value)}, not a tuple");
        }

        var result = new long[tuple.Items.Length];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = tuple.Items[i] as long? ?? throw Malformed(path, global, $"{what}[{i}] is {Describe(tuple.Items[i])}, not an integer");
        }

        return result;
    }

    private static CheckpointFormatException Malformed(string path, PickleGlobal global, string problem) =>
        new(path, null, $"malformed call to '{global}': {problem}");

    /// <summary>Human-readable kind of an unpickled value, for error messages.</summary>
    public static string Describe(object? value) => value switch
    {
        null => "None",
        string text => $"the string '{text}'",
        long number => $"the integer {number}",
        double number => $"the float {number}",
        bool flag => flag ? "True" : "False",
        PickleTuple tuple => $"a tuple of {tuple.Items.Length}",
        PickleList => "a list",
        PickleDict => "a dict",
        PickleGlobal global => $"the global '{global}'",
        StorageReference => "a storage",
        TensorReference => "a tensor",
        _ => value.GetType().Name,
    };
}
