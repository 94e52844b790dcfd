using Google.Protobuf;
using SemanticSearch.Checkpoints.Onnx.Proto;

namespace SemanticSearch.Checkpoints.Tests;

/// <summary>How <see cref="TinyOnnxBert"/> stores float initializers.</summary>
public enum TinyOnnxStorage { RawFloat, TypedFloat, RawHalf, TypedHalf, External }

/// <summary>
/// A small BERT graph laid out the way torch.onnx exports Hugging Face BertModel (opset 11–13): named biases, embeddings
/// and LayerNorm parameters, unnamed MatMul weights stored [in, out], attention Reshapes to Concat(batch, seq, [heads],
/// [head_size]), LayerNorm decomposed into ReduceMean/Sub/Pow/ReduceMean/Add(eps)/Sqrt/Div/Mul/Add, GELU via Erf. The
/// PyTorch-layout weights it was made from are kept in <see cref="Expected"/> so tests can check names and transposes.
/// </summary>
internal sealed class TinyOnnxBert
{
    public const int Vocab = 7, Hidden = 4, Heads = 2, Intermediate = 8, Positions = 6, Layers = 2;
    public const float Epsilon = 1e-12f;

    private readonly List<NodeProto> _nodes = new();
    private readonly List<TensorProto> _initializers = new();
    private readonly Random _random = new(5);
    private readonly TinyOnnxStorage _storage;
    private readonly MemoryStream _external = new();
    private int _unnamed = 900, _values;

    /// <summary>Every parameter under its BertModel name, [out, in] for Linear weights, as float32 (after any half rounding).</summary>
    public Dictionary<string, (int[] Shape, float[] Data)> Expected { get; } = new();

    public ModelProto Model { get; }

    public const string ExternalFileName = "weights.bin";

    public TinyOnnxBert(TinyOnnxStorage storage = TinyOnnxStorage.RawFloat, int heads = Heads, bool withBias = true)
    {
        _storage = storage;
        var graph = new GraphProto { Name = "torch_jit" };
        foreach (var input in new[] { "input_ids", "attention_mask", "token_type_ids" }) graph.Input.Add(new ValueInfoProto { Name = input });

        string words = Gather(Param("embeddings.word_embeddings.weight", Vocab, Hidden), "input_ids");
        string types = Gather(Param("embeddings.token_type_embeddings.weight", 2, Hidden), "token_type_ids");
        string positionIds = Int64Initializer("embeddings.position_ids", [1, Positions], Enumerable.Range(0, Positions).Select(i => (long)i).ToArray());
        string positions = Gather(Param("embeddings.position_embeddings.weight", Positions, Hidden), Node("Slice", positionIds));
        string x = LayerNorm(Node("Add", Node("Add", words, types), positions), "embeddings.LayerNorm");
        for (int layer = 0; layer < Layers; layer++)
        {
            string p = $"encoder.layer.{layer}.";
            string q = Heads4(Linear(x, p + "attention.self.query", Hidden, Hidden, withBias), heads);
            string k = Heads4(Linear(x, p + "attention.self.key", Hidden, Hidden, withBias), heads);
            string v = Heads4(Linear(x, p + "attention.self.value", Hidden, Hidden, withBias), heads);
            string probabilities = Node("Softmax", Node("Add", Node("Div", Node("MatMul", Node("Transpose", q), Node("Transpose", k)), FloatConstant(2)), "mask"));
            string context = Node("Reshape", Node("Transpose", Node("MatMul", probabilities, Node("Transpose", v))), Node("Concat", Node("Shape", x), Int64Constant(Hidden)));
            string attention = LayerNorm(Node("Add", Linear(context, p + "attention.output.dense", Hidden, Hidden, withBias), x), p + "attention.output.LayerNorm");
            string h = Linear(attention, p + "intermediate.dense", Hidden, Intermediate, withBias);
            string gelu = Node("Mul", Node("Mul", h, Node("Add", Node("Erf", Node("Div", h, FloatConstant(1.4142135f))), FloatConstant(1))), FloatConstant(0.5f));
            x = LayerNorm(Node("Add", Linear(gelu, p + "output.dense", Intermediate, Hidden, withBias), attention), p + "output.LayerNorm");
        }
        _nodes[^1].Output[0] = "last_hidden_state";
        graph.Output.Add(new ValueInfoProto { Name = "last_hidden_state" });
        graph.Node.AddRange(_nodes);
        graph.Initializer.AddRange(_initializers);
        Model = new ModelProto { IrVersion = 7, ProducerName = "pytorch", ProducerVersion = "1.10", Graph = graph };
        Model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
    }

    /// <summary>Writes model.onnx (and the external data file when the storage says so) into <paramref name="directory"/>.</summary>
    public string Write(string directory)
    {
        string path = Path.Combine(directory, "model.onnx");
        File.WriteAllBytes(path, Model.ToByteArray());
        if (_storage == TinyOnnxStorage.External) File.WriteAllBytes(Path.Combine(directory, ExternalFileName), _external.ToArray());
        return path;
    }

    private string Node(string op, params string[] inputs)
    {
        var node = new NodeProto { OpType = op, Name = $"{op}_{_nodes.Count}" };
        node.Input.AddRange(inputs);
        string output = $"{++_values}";
        node.Output.Add(output);
        if (op == "Softmax") node.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int, I = -1 });
        _nodes.Add(node);
        return output;
    }

    private string Gather(string table, string ids) => Node("Gather", table, ids);

    /// <summary>y = x·Wᵀ + b as torch.onnx writes it: MatMul(x, Wᵀ stored [in, out] under a generated name), then Add(bias, product).</summary>
    private string Linear(string x, string name, int inFeatures, int outFeatures, bool withBias)
    {
        var weight = RandomValues(outFeatures * inFeatures); // PyTorch [out, in]
        var stored = new float[weight.Length];
        for (int o = 0; o < outFeatures; o++)
            for (int i = 0; i < inFeatures; i++)
                stored[i * outFeatures + o] = weight[o * inFeatures + i];
        string weightName = $"onnx::MatMul_{++_unnamed}";
        Expected[name + ".weight"] = ([outFeatures, inFeatures], Rounded(weight));
        _initializers.Add(FloatTensor(weightName, [inFeatures, outFeatures], stored));
        string product = Node("MatMul", x, weightName);
        return withBias ? Node("Add", Param(name + ".bias", outFeatures), product) : Node("Relu", product);
    }

    /// <summary>[batch, seq, hidden] → [batch, seq, heads, head_size], shape from Concat(Unsqueeze(Gather(Shape)) ×2, [heads], [head_size]).</summary>
    private string Heads4(string value, int heads)
    {
        string batch = Node("Unsqueeze", Node("Gather", Node("Shape", value), Int64Constant(0)));
        string seq = Node("Unsqueeze", Node("Gather", Node("Shape", value), Int64Constant(1)));
        return Node("Reshape", value, Node("Concat", batch, seq, Int64Initializer($"{++_unnamed}", [1], [heads]), Int64Initializer($"{++_unnamed}", [1], [Hidden / heads])));
    }

    private string LayerNorm(string x, string name)
    {
        string centered = Node("Sub", x, Node("ReduceMean", x));
        string variance = Node("ReduceMean", Node("Pow", centered, FloatConstant(2)));
        string normalized = Node("Div", centered, Node("Sqrt", Node("Add", variance, FloatConstant(Epsilon))));
        return Node("Add", Node("Mul", normalized, Param(name + ".weight", Hidden)), Param(name + ".bias", Hidden));
    }

    private string Param(string name, params int[] shape)
    {
        var values = RandomValues(shape.Aggregate(1, (a, b) => a * b));
        Expected[name] = (shape, Rounded(values));
        _initializers.Add(FloatTensor(name, shape, values));
        return name;
    }

    private string FloatConstant(float value)
    {
        string output = Node("Constant");
        _nodes[^1].Attribute.Add(new AttributeProto
        {
            Name = "value", Type = AttributeProto.Types.AttributeType.Tensor,
            T = new TensorProto { DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(BitConverter.GetBytes(value)) },
        });
        return output;
    }

    private string Int64Constant(long value)
    {
        string output = Node("Constant");
        _nodes[^1].Attribute.Add(new AttributeProto
        {
            Name = "value", Type = AttributeProto.Types.AttributeType.Tensor,
            T = new TensorProto { DataType = (int)TensorProto.Types.DataType.Int64, RawData = ByteString.CopyFrom(BitConverter.GetBytes(value)) },
        });
        return output;
    }

    private string Int64Initializer(string name, long[] dims, long[] values)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.AddRange(dims);
        tensor.Int64Data.AddRange(values);
        _initializers.Add(tensor);
        return name;
    }

    private TensorProto FloatTensor(string name, int[] shape, float[] values)
    {
        bool half = _storage is TinyOnnxStorage.RawHalf or TinyOnnxStorage.TypedHalf;
        var tensor = new TensorProto
        {
            Name = name,
            DataType = (int)(half ? TensorProto.Types.DataType.Float16 : TensorProto.Types.DataType.Float),
        };
        tensor.Dims.AddRange(shape.Select(d => (long)d));
        switch (_storage)
        {
            case TinyOnnxStorage.RawFloat:
                tensor.RawData = ByteString.CopyFrom(values.SelectMany(BitConverter.GetBytes).ToArray());
                break;
            case TinyOnnxStorage.TypedFloat:
                tensor.FloatData.AddRange(values);
                break;
            case TinyOnnxStorage.RawHalf:
                tensor.RawData = ByteString.CopyFrom(values.SelectMany(v => BitConverter.GetBytes((Half)v)).ToArray());
                break;
            case TinyOnnxStorage.TypedHalf:
                tensor.Int32Data.AddRange(values.Select(v => (int)BitConverter.HalfToUInt16Bits((Half)v)));
                break;
            case TinyOnnxStorage.External:
                var bytes = values.SelectMany(BitConverter.GetBytes).ToArray();
                tensor.DataLocation = TensorProto.Types.DataLocation.External;
                tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = ExternalFileName });
                tensor.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = _external.Length.ToString() });
                tensor.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = bytes.Length.ToString() });
                _external.Write(bytes);
                break;
        }
        return tensor;
    }

    private float[] Rounded(float[] values) =>
        _storage is TinyOnnxStorage.RawHalf or TinyOnnxStorage.TypedHalf ? values.Select(v => (float)(Half)v).ToArray() : values;

    private float[] RandomValues(int count) => Enumerable.Range(0, count).Select(_ => (float)(_random.NextDouble() * 2 - 1)).ToArray();
}
