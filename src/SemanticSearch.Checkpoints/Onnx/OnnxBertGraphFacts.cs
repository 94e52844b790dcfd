using SemanticSearch.Checkpoints.Onnx.Proto;

namespace SemanticSearch.Checkpoints.Onnx;

/// <summary>
/// Architecture facts that are in a BERT export's graph rather than in its weights: the attention head count
/// (the Reshape of each query/key/value projection to [batch, seq, heads, head_size]), the LayerNorm epsilon and
/// the feed-forward activation.
/// </summary>
internal static class OnnxBertGraphFacts
{
    /// <summary>
    /// The head count every query, key and value Reshape agrees on. Its shape operand is a constant, or (torch.onnx)
    /// a Concat whose last two operands are the constants [heads] and [head_size].
    /// </summary>
    public static int HeadCount(string path, OnnxGraphIndex graph, IReadOnlyDictionary<string, string> linearOutputs, int layers, int hidden)
    {
        int? heads = null;
        for (int layer = 0; layer < layers; layer++)
        {
            foreach (string part in new[] { "query", "key", "value" })
            {
                string bias = $"encoder.layer.{layer}.attention.self.{part}.bias";
                var reshape = graph.Consumers(LinearOutput(path, linearOutputs, bias)).FirstOrDefault(n => n.OpType == "Reshape")
                    ?? throw new CheckpointFormatException(path, bias[..^"bias".Length] + "weight",
                        "the projection is not reshaped into attention heads (no Reshape of its output); not a BERT self-attention");
                var tail = ShapeTail(graph, reshape.Input[1])
                    ?? throw new CheckpointFormatException(path, null,
                        $"{OnnxGraphIndex.Describe(reshape)}: its target shape does not end in constant [heads, head_size], so the head count cannot be read");
                long h = tail.Heads, size = tail.HeadSize;
                if (h == -1 && size > 0 && hidden % size == 0) h = hidden / size;
                if (size == -1 && h > 0 && hidden % h == 0) size = hidden / h;
                if (h <= 0 || size <= 0 || h * size != hidden)
                    throw new CheckpointFormatException(path, null,
                        $"{OnnxGraphIndex.Describe(reshape)} splits hidden size {hidden} into {tail.Heads} heads of {tail.HeadSize}; that does not multiply to {hidden}");
                if (heads is int seen && seen != h)
                    throw new CheckpointFormatException(path, null, $"{OnnxGraphIndex.Describe(reshape)} uses {h} attention heads where earlier layers use {seen}");
                heads = (int)h;
            }
        }
        return heads ?? throw new CheckpointFormatException(path, null, "no attention layer found");
    }

    /// <summary>The value a Linear layer's bias was added into (where its output continues in the graph).</summary>
    public static string LinearOutput(string path, IReadOnlyDictionary<string, string> linearOutputs, string bias) =>
        linearOutputs.TryGetValue(bias, out var value) ? value
            : throw new CheckpointFormatException(path, bias, "this bias is not added to the product of a Linear weight anywhere in the graph; not a BERT export this reader understands");

    private static (long Heads, long HeadSize)? ShapeTail(OnnxGraphIndex graph, string shapeValue)
    {
        if (IntegerValues(graph, shapeValue) is { Length: >= 2 } whole) return (whole[^2], whole[^1]);
        if (graph.Producer(shapeValue) is not { OpType: "Concat" } concat || concat.Input.Count < 2) return null;
        var last = IntegerValues(graph, concat.Input[^1]);
        if (last is { Length: >= 2 }) return (last[^2], last[^1]);
        var before = IntegerValues(graph, concat.Input[^2]);
        return last is { Length: 1 } && before is { Length: >= 1 } ? (before[^1], last[0]) : null;
    }

    private static long[]? IntegerValues(OnnxGraphIndex graph, string value)
    {
        if (graph.Constant(value) is not { } tensor) return null;
        var type = (TensorProto.Types.DataType)tensor.DataType;
        if (type is not (TensorProto.Types.DataType.Int64 or TensorProto.Types.DataType.Int32) || tensor.Dims.Count > 1) return null;
        // A shape operand is tiny; decode it without the file-level checks (it never lives in external data).
        if (!tensor.RawData.IsEmpty)
        {
            var raw = tensor.RawData.Span;
            int size = type == TensorProto.Types.DataType.Int64 ? 8 : 4;
            if (raw.Length % size != 0) return null;
            var values = new long[raw.Length / size];
            for (int i = 0; i < values.Length; i++)
                values[i] = size == 8 ? BitConverter.ToInt64(raw.Slice(8 * i, 8)) : BitConverter.ToInt32(raw.Slice(4 * i, 4));
            return values;
        }
        return type == TensorProto.Types.DataType.Int64 ? tensor.Int64Data.ToArray() : tensor.Int32Data.Select(v => (long)v).ToArray();
    }

    /// <summary>
    /// The epsilon of the graph's LayerNorms: LayerNormalization's attribute (opset 17+), or the constant added to
    /// the variance before Sqrt in the decomposed form torch.onnx writes for older opsets. All must agree.
    /// </summary>
    public static double LayerNormEpsilon(string path, OnnxGraphIndex graph)
    {
        double? epsilon = null;
        NodeProto? first = null;
        foreach (var node in graph.Graph.Node)
        {
            double? found = node.OpType switch
            {
                "LayerNormalization" => node.Attribute.FirstOrDefault(a => a.Name == "epsilon") is { } a ? a.F : 1e-5f,
                "Sqrt" => DecomposedEpsilon(graph, node),
                _ => null,
            };
            if (found is not double value) continue;
            // float32 constant → the decimal it was written as (1e-12, not 9.9999999600419720e-13).
            value = double.Parse(((float)value).ToString("R", System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture);
            if (epsilon is double seen && seen != value)
                throw new CheckpointFormatException(path, null,
                    $"{OnnxGraphIndex.Describe(node)} uses LayerNorm epsilon {OnnxBertReader.Format(value)} where {OnnxGraphIndex.Describe(first!)} uses {OnnxBertReader.Format(seen)}");
            epsilon = value;
            first ??= node;
        }
        return epsilon ?? throw new CheckpointFormatException(path, null, "no LayerNorm found (neither LayerNormalization nor ReduceMean → Add(epsilon) → Sqrt); not a BERT encoder");
    }

    private static double? DecomposedEpsilon(OnnxGraphIndex graph, NodeProto sqrt)
    {
        if (graph.Producer(sqrt.Input[0]) is not { OpType: "Add" } add || add.Input.Count != 2) return null;
        for (int i = 0; i < 2; i++)
        {
            if (graph.Producer(add.Input[1 - i]) is not { OpType: "ReduceMean" }) continue;
            if (graph.Constant(add.Input[i]) is { DataType: (int)TensorProto.Types.DataType.Float } c && c.Dims.Aggregate(1L, (p, d) => p * d) == 1)
                return c.RawData.Length == 4 ? BitConverter.ToSingle(c.RawData.Span) : c.FloatData.Count == 1 ? c.FloatData[0] : null;
        }
        return null;
    }

    /// <summary>
    /// The feed-forward activation, from the operators between the intermediate Linear's output and the next MatMul:
    /// Erf → "gelu", Tanh → "gelu_new", Relu → "relu" (and opset 20's Gelu with its approximate attribute).
    /// </summary>
    public static string Activation(string path, OnnxGraphIndex graph, string intermediateOutput)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var ops = new HashSet<string>(StringComparer.Ordinal);
        var frontier = new Queue<string>([intermediateOutput]);
        while (frontier.Count > 0 && seen.Count < 64)
        {
            foreach (var node in graph.Consumers(frontier.Dequeue()))
            {
                if (node.OpType == "MatMul" || !seen.Add(node.Output[0])) continue;
                if (node.OpType == "Gelu")
                    return node.Attribute.FirstOrDefault(a => a.Name == "approximate")?.S.ToStringUtf8() == "tanh" ? "gelu_new" : "gelu";
                ops.Add(node.OpType);
                frontier.Enqueue(node.Output[0]);
            }
        }
        if (ops.Contains("Erf")) return "gelu";
        if (ops.Contains("Tanh")) return "gelu_new";
        if (ops.Contains("Relu")) return "relu";
        throw new CheckpointFormatException(path, "encoder.layer.0.intermediate.dense.weight",
            $"no GELU or ReLU after the feed-forward projection (found {string.Join(", ", ops.Order())}); not a BERT feed-forward");
    }
}
