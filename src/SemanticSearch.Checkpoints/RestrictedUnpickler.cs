using System.Buffers.Binary;
using System.Text;

namespace SemanticSearch.Checkpoints;

/// <summary>
/// A pickle interpreter for the subset of opcodes torch.save emits for state dicts (protocols 2-5).
/// It builds only plain data (<see cref="PickleValues"/>), resolves globals through the allow-list
/// in <see cref="TorchPickleGlobals"/>, and rejects every other opcode, so loading an untrusted
/// checkpoint can never run code. Bounds are checked on every read: a truncated or corrupt pickle
/// fails with the byte position instead of reading garbage.
/// </summary>
internal sealed class RestrictedUnpickler
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly object Mark = new();

    private readonly string _path;
    private readonly byte[] _data;
    private readonly List<object?> _stack = [];
    private readonly Stack<int> _marks = new();
    private readonly Dictionary<long, object?> _memo = [];
    private int _position;

    private RestrictedUnpickler(string path, byte[] data)
    {
        _path = path;
        _data = data;
    }

    /// <summary>Unpickles <paramref name="data"/>; <paramref name="path"/> names it in errors.</summary>
    public static object? Load(string path, byte[] data) => new RestrictedUnpickler(path, data).Run();

    private object? Run()
    {
        while (_position < _data.Length)
        {
            int opcodeAt = _position;
            byte opcode = _data[_position++];
            if (opcode == (byte)'.')
            {
                return Finish();
            }

            Execute(opcode, opcodeAt);
        }

        throw Fail("pickle ends without a STOP opcode (truncated data.pkl)");
    }

    private object? Finish()
    {
        if (_stack.Count != 1 || _marks.Count != 0)
        {
            throw Fail($"pickle stops with {_stack.Count} values on the stack instead of exactly one");
        }

        return _stack[0];
    }

    private void Execute(byte opcode, int opcodeAt)
    {
        switch (opcode)
        {
            case 0x80: // PROTO
                byte protocol = ReadBytes(1)[0];
                if (protocol > 5)
                {
                    throw Fail($"pickle protocol {protocol} is newer than the supported 5");
                }

                break;
            case 0x95: ReadBytes(8); break;                      // FRAME: only a read-ahead hint
            case (byte)'(': _marks.Push(_stack.Count); _stack.Add(Mark); break;
            case (byte)'0': Pop(); break;                          // POP
            case (byte)'1': PopToMark(); break;                    // POP_MARK
            case (byte)'2': Push(Peek()); break;                   // DUP
            case (byte)'N': Push(null); break;
            case 0x88: Push(true); break;                          // NEWTRUE
            case 0x89: Push(false); break;                         // NEWFALSE
            case (byte)'J': Push((long)BinaryPrimitives.ReadInt32LittleEndian(ReadBytes(4))); break;   // BININT
            case (byte)'K': Push((long)ReadBytes(1)[0]); break;                                        // BININT1
            case (byte)'M': Push((long)BinaryPrimitives.ReadUInt16LittleEndian(ReadBytes(2))); break;  // BININT2
            case 0x8a: Push(ReadLong1()); break;                                                       // LONG1
            case (byte)'G': Push(BinaryPrimitives.ReadDoubleBigEndian(ReadBytes(8))); break;           // BINFLOAT
            case (byte)'X': Push(ReadUtf8(BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4)))); break; // BINUNICODE
            case 0x8c: Push(ReadUtf8(ReadBytes(1)[0])); break;                                         // SHORT_BINUNICODE
            case 0x8d: Push(ReadUtf8(BinaryPrimitives.ReadUInt64LittleEndian(ReadBytes(8)))); break;   // BINUNICODE8
            case (byte)')': Push(new PickleTuple([])); break;                                          // EMPTY_TUPLE
            case (byte)'t': Push(new PickleTuple(PopToMark())); break;                                 // TUPLE
            case 0x85: Push(new PickleTuple([Pop()])); break;                                          // TUPLE1
            case 0x86: { object? b = Pop(), a = Pop(); Push(new PickleTuple([a, b])); break; }        // TUPLE2
            case 0x87: { object? c = Pop(), b = Pop(), a = Pop(); Push(new PickleTuple([a, b, c])); break; } // TUPLE3
            case (byte)']': Push(new PickleList()); break;                                             // EMPTY_LIST
            case (byte)'l': { var list = new PickleList(); list.Items.AddRange(PopToMark()); Push(list); break; } // LIST
            case (byte)'a': { object? item = Pop(); ListOnTop().Items.Add(item); break; }             // APPEND
            case (byte)'e': { object?[] items = PopToMark(); ListOnTop().Items.AddRange(items); break; } // APPENDS
            case (byte)'}': Push(new PickleDict()); break;                                             // EMPTY_DICT
            case (byte)'d': { var dict = new PickleDict(); SetItems(dict, PopToMark()); Push(dict); break; } // DICT
            case (byte)'s': { object? value = Pop(), key = Pop(); DictOnTop().Set(key, value); break; } // SETITEM
            case (byte)'u': { object?[] pairs = PopToMark(); SetItems(DictOnTop(), pairs); break; }   // SETITEMS
            case (byte)'q': Memoize(ReadBytes(1)[0]); break;                                           // BINPUT
            case (byte)'r': Memoize(BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4))); break;     // LONG_BINPUT
            case 0x94: Memoize(_memo.Count); break;                                                    // MEMOIZE
            case (byte)'h': Push(Recall(ReadBytes(1)[0])); break;                                      // BINGET
            case (byte)'j': Push(Recall(BinaryPrimitives.ReadUInt32LittleEndian(ReadBytes(4)))); break; // LONG_BINGET
            case (byte)'c': { string module = ReadLine(), name = ReadLine(); Push(TorchPickleGlobals.Resolve(_path, module, name)); break; } // GLOBAL
            case 0x93: Push(StackGlobal()); break;                                                     // STACK_GLOBAL
            case (byte)'R': { object? args = Pop(), callable = Pop(); Push(TorchPickleGlobals.Reduce(_path, callable, args)); break; } // REDUCE
            case (byte)'Q': Push(TorchPickleGlobals.Storage(_path, Pop())); break;                     // BINPERSID
            case (byte)'b': Build(); break;                                                            // BUILD
            default:
                throw Fail($"unsupported pickle opcode 0x{opcode:X2} at byte {opcodeAt} (only the opcodes torch.save uses for state dicts are accepted)");
        }
    }

    /// <summary>
    /// BUILD sets an object's state. In a state dict it only occurs on the OrderedDict, whose state is
    /// the <c>_metadata</c> attribute (module version numbers) that loading weights does not need.
    /// </summary>
    private void Build()
    {
        object? state = Pop();
        object? target = Peek();
        if (target is not PickleDict || state is not (PickleDict or null))
        {
            throw Fail($"pickle BUILD on {TorchPickleGlobals.Describe(target)} is not part of a state dict");
        }
    }

    private PickleGlobal StackGlobal()
    {
        object? name = Pop(), module = Pop();
        if (module is not string moduleName || name is not string globalName)
        {
            throw Fail("STACK_GLOBAL needs a module and a name string");
        }

        return TorchPickleGlobals.Resolve(_path, moduleName, globalName);
    }

    private void SetItems(PickleDict dict, object?[] pairs)
    {
        if (pairs.Length % 2 != 0)
        {
            throw Fail("SETITEMS with an odd number of keys and values");
        }

        for (int i = 0; i < pairs.Length; i += 2)
        {
            dict.Set(pairs[i], pairs[i + 1]);
        }
    }

    private PickleList ListOnTop() =>
        Peek() as PickleList ?? throw Fail($"APPEND to {TorchPickleGlobals.Describe(Peek())}, not to a list");

    private PickleDict DictOnTop() =>
        Peek() as PickleDict ?? throw Fail($"SETITEM on {TorchPickleGlobals.Describe(Peek())}, not on a dict");

    private void Memoize(long index) => _memo[index] = Peek();

    private object? Recall(long index) =>
        _memo.TryGetValue(index, out object? value) ? value : throw Fail($"memo slot {index} is read before it is written");

    private void Push(object? value) => _stack.Add(value);

    private object? Peek()
    {
        if (_stack.Count == 0 || (_marks.Count > 0 && _marks.Peek() == _stack.Count - 1))
        {
            throw Fail("pickle stack underflow");
        }

        return _stack[^1];
    }

    private object? Pop()
    {
        object? value = Peek();
        _stack.RemoveAt(_stack.Count - 1);
        return value;
    }

    private object?[] PopToMark()
    {
        if (_marks.Count == 0)
        {
            throw Fail("pickle pops to a MARK that was never set");
        }

        int mark = _marks.Pop();
        object?[] items = _stack.GetRange(mark + 1, _stack.Count - mark - 1).ToArray();
        _stack.RemoveRange(mark, _stack.Count - mark);
        return items;
    }

    private ReadOnlySpan<byte> ReadBytes(long count)
    {
        if (count > _data.Length - _position)
        {
            throw Fail($"pickle needs {count} more bytes at byte {_position} but only {_data.Length - _position} remain (truncated data.pkl)");
        }

        var span = new ReadOnlySpan<byte>(_data, _position, (int)count);
        _position += (int)count;
        return span;
    }

    private string ReadUtf8(ulong length)
    {
        ReadOnlySpan<byte> bytes = ReadBytes(length > int.MaxValue ? long.MaxValue : (long)length);
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw Fail($"invalid UTF-8 in a pickle string before byte {_position}: {e.Message}");
        }
    }

    /// <summary>GLOBAL's operands are newline-terminated ASCII lines.</summary>
    private string ReadLine()
    {
        int end = Array.IndexOf(_data, (byte)'\n', _position);
        if (end < 0)
        {
            throw Fail($"unterminated GLOBAL name at byte {_position} (truncated data.pkl)");
        }

        string line = Encoding.ASCII.GetString(_data, _position, end - _position);
        _position = end + 1;
        return line;
    }

    /// <summary>LONG1: a little-endian two's-complement integer of up to 255 bytes; we accept up to 8.</summary>
    private long ReadLong1()
    {
        int length = ReadBytes(1)[0];
        if (length > 8)
        {
            throw Fail($"integer of {length} bytes at byte {_position} does not fit in 64 bits");
        }

        ReadOnlySpan<byte> bytes = ReadBytes(length);
        if (length == 0)
        {
            return 0;
        }

        long value = (sbyte)bytes[length - 1]; // sign-extends from the most significant byte
        for (int i = length - 2; i >= 0; i--)
        {
            value = (value << 8) | bytes[i];
        }

        return value;
    }

    private CheckpointFormatException Fail(string problem) => new(_path, null, problem);
}
