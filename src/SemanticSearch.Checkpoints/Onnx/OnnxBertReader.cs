using System.Collections.ObjectModel;
using System.Globalization;
using SemanticSearch.Checkpoints.Onnx.Proto;

namespace SemanticSearch.Checkpoints.Onnx;

/// <summary>
/// Reads the BERT encoder out of an ONNX export of Hugging Face <c>BertModel</c> (torch.onnx, any opset from 11).
/// torch.onnx keeps the names of biases, embeddings and LayerNorm parameters but stores each Linear weight as an
/// unnamed <c>MatMul</c> initializer of shape [in, out]; such a weight is named after the bias of the <c>Add</c> its
/// product flows into (<c>….query.bias</c> → <c>….query.weight</c>) and transposed to PyTorch's [out, in]. The head
/// count comes from the attention <c>Reshape</c>s' shape constants [batch, seq, heads, head_size], the LayerNorm
/// epsilon from the graph's LayerNorm, the activation from the feed-forward's operators. Anything that is not a
/// complete BERT encoder (unknown operators, a Linear weight without a bias to name it by, a missing parameter,
/// disagreeing head counts) is refused with an error naming the node or tensor.
/// </summary>
public static class OnnxBertReader
{
    /// <summary>
    /// Operators of the default domain that BERT exports use. Anything else (CumSum: RoBERTa-style position ids;
    /// com.microsoft fused Attention/SkipLayerNormalization of optimized graphs; ...) would compute something this
    /// engine's BERT does not, so it is refused rather than ignored.
    /// </summary>
    private static readonly HashSet<string> s_bertOperators = new(StringComparer.Ordinal)
    {
        "Constant", "ConstantOfShape", "Identity", "Shape", "Gather", "Unsqueeze", "Squeeze", "Concat", "Slice",
        "Reshape", "Transpose", "Expand", "Cast", "Equal", "Where", "Not", "Range",
        "Add", "Sub", "Mul", "Div", "Pow", "Sqrt", "ReduceMean", "MatMul", "Gemm", "Softmax",
        "Erf", "Tanh", "Relu", "Gelu", "LayerNormalization",
    };

    /// <summary>Operand counts the reader relies on (ONNX's own minimums for these operators).</summary>
    private static readonly Dictionary<string, int> s_minimumInputs = new(StringComparer.Ordinal)
    {
        ["MatMul"] = 2, ["Gemm"] = 2, ["Add"] = 2, ["Reshape"] = 2, ["Sqrt"] = 1, ["Concat"] = 1, ["Gather"] = 2,
    };

    private static readonly string[] s_linearsPerLayer =
        ["attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense", "intermediate.dense", "output.dense"];

    private static readonly string[] s_layerNormsPerLayer = ["attention.output.LayerNorm", "output.LayerNorm"];

    /// <summary>Reads <paramref name="path"/>; external-data files are looked up beside it.</summary>
    /// <exception cref="CheckpointFormatException">Malformed file or not a complete BERT encoder; names the file and the node or tensor.</exception>
    public static OnnxBertExport Read(string path)
    {
        var model = OnnxModelFile.Read(path);
        var graph = new OnnxGraphIndex(path, model.Graph);
        CheckOperators(path, graph);
        var decoder = new OnnxTensorDecoder(path);
        var tensors = new Dictionary<string, NamedTensor>(StringComparer.Ordinal);
        var linearOutputs = new Dictionary<string, string>(StringComparer.Ordinal); // bias name → value after "+ bias"

        foreach (var initializer in graph.Initializers)
        {
            string? name = ParameterName(initializer.Name);
            if (name is null || !IsFloat(initializer)) continue;
            tensors[name] = decoder.Decode(initializer, name);
        }
        foreach (var node in model.Graph.Node)
        {
            if (node.OpType == "MatMul") NameMatMulWeight(path, graph, decoder, node, tensors, linearOutputs);
            else if (node.OpType == "Gemm") NameGemmWeight(path, graph, decoder, node, tensors, linearOutputs);
        }

        var shape = ReadShape(path, graph, tensors, linearOutputs);
        var encoderTensors = tensors.Where(t => !t.Key.StartsWith("pooler.", StringComparison.Ordinal))
            .OrderBy(t => t.Key, StringComparer.Ordinal).ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);
        return new OnnxBertExport
        {
            FilePath = path,
            Tensors = new ReadOnlyDictionary<string, NamedTensor>(encoderTensors),
            Shape = shape,
            Producer = $"{model.ProducerName} {model.ProducerVersion}".Trim(),
            OpsetVersion = model.OpsetImport.Where(o => o.Domain is "" or "ai.onnx").Select(o => o.Version).DefaultIfEmpty(0).Max(),
        };
    }

    /// <summary>The BertModel parameter name of an initializer ("bert." prefix dropped), or null for anything else.</summary>
    private static string? ParameterName(string initializerName)
    {
        string name = initializerName.StartsWith("bert.", StringComparison.Ordinal) ? initializerName["bert.".Length..] : initializerName;
        return name.StartsWith("embeddings.", StringComparison.Ordinal) || name.StartsWith("encoder.layer.", StringComparison.Ordinal)
            || name.StartsWith("pooler.", StringComparison.Ordinal) ? name : null;
    }

    private static bool IsFloat(TensorProto t) => (TensorProto.Types.DataType)t.DataType is
        TensorProto.Types.DataType.Float or TensorProto.Types.DataType.Float16 or TensorProto.Types.DataType.Bfloat16 or TensorProto.Types.DataType.Double;

    private static void CheckOperators(string path, OnnxGraphIndex graph)
    {
        foreach (var node in graph.Graph.Node)
        {
            if (node.Domain is not ("" or "ai.onnx"))
                throw new CheckpointFormatException(path, null,
                    $"{OnnxGraphIndex.Describe(node)} is from operator domain '{node.Domain}'; only plain (not fused or optimized) BERT exports can be read");
            if (!s_bertOperators.Contains(node.OpType))
                throw new CheckpointFormatException(path, null, $"{OnnxGraphIndex.Describe(node)}: operator {node.OpType} is not part of a BERT encoder; this is not a BertModel export");
            if (node.Output.Count == 0 || s_minimumInputs.TryGetValue(node.OpType, out int inputs) && node.Input.Count < inputs)
                throw new CheckpointFormatException(path, null, $"{OnnxGraphIndex.Describe(node)} has {node.Input.Count} inputs and {node.Output.Count} outputs; malformed graph");
        }
    }

    /// <summary>
    /// <c>MatMul(x, W)</c> with W an initializer [in, out] is a Linear layer when its product goes into exactly one
    /// <c>Add</c> with a named bias of length out: W is that Linear's weight, stored transposed.
    /// </summary>
    private static void NameMatMulWeight(string path, OnnxGraphIndex graph, OnnxTensorDecoder decoder, NodeProto node,
        Dictionary<string, NamedTensor> tensors, Dictionary<string, string> linearOutputs)
    {
        if (node.Input.Count != 2 || !graph.IsInitializer(node.Input[1])) return; // activation × activation (attention scores)
        var weight = graph.Constant(node.Input[1])!;
        if (weight.Dims.Count != 2 || !IsFloat(weight))
            throw new CheckpointFormatException(path, weight.Name, $"{OnnxGraphIndex.Describe(node)} multiplies by a constant of shape [{string.Join(", ", weight.Dims)}]; a BERT Linear weight is a 2-d float matrix");
        var (biasName, sum) = FollowToBias(path, graph, node, weight, outFeatures: weight.Dims[1]);
        AddLinear(path, decoder, weight, biasName, transpose: true, tensors, linearOutputs, sum);
    }

    /// <summary><c>Gemm(x, W, b)</c> (2-d Linear, e.g. the pooler): W is [out, in] when transB = 1, else [in, out].</summary>
    private static void NameGemmWeight(string path, OnnxGraphIndex graph, OnnxTensorDecoder decoder, NodeProto node,
        Dictionary<string, NamedTensor> tensors, Dictionary<string, string> linearOutputs)
    {
        if (node.Input.Count < 3 || !graph.IsInitializer(node.Input[1])) return;
        var weight = graph.Constant(node.Input[1])!;
        string? biasName = ParameterName(node.Input[2]);
        bool transB = node.Attribute.FirstOrDefault(a => a.Name == "transB")?.I == 1;
        if (ParameterName(weight.Name) is not null && transB)
        {
            if (biasName is not null) linearOutputs[biasName] = node.Output[0]; // already named and [out, in]
            return;
        }
        if (biasName is null || !biasName.EndsWith(".bias", StringComparison.Ordinal))
            throw new CheckpointFormatException(path, weight.Name, $"{OnnxGraphIndex.Describe(node)} has an unnamed weight and no named bias to name it by");
        AddLinear(path, decoder, weight, biasName, transpose: !transB, tensors, linearOutputs, node.Output[0]);
    }

    private static (string BiasName, string Sum) FollowToBias(string path, OnnxGraphIndex graph, NodeProto matMul, TensorProto weight, long outFeatures)
    {
        var consumers = graph.Consumers(matMul.Output[0]);
        if (consumers.Count == 1 && consumers[0] is { OpType: "Add" } add && add.Input.Count == 2)
        {
            string other = add.Input[0] == matMul.Output[0] ? add.Input[1] : add.Input[0];
            string? bias = ParameterName(other);
            if (bias is not null && bias.EndsWith(".bias", StringComparison.Ordinal) && graph.Constant(other) is { } b
                && b.Dims.Count == 1 && b.Dims[0] == outFeatures)
                return (bias, add.Output[0]);
        }
        throw new CheckpointFormatException(path, weight.Name,
            $"{OnnxGraphIndex.Describe(matMul)} multiplies by this unnamed [{string.Join(", ", weight.Dims)}] weight, but its product does not go into one Add with a named bias of length {outFeatures}; cannot tell which Linear layer it belongs to");
    }

    private static void AddLinear(string path, OnnxTensorDecoder decoder, TensorProto weight, string biasName, bool transpose,
        Dictionary<string, NamedTensor> tensors, Dictionary<string, string> linearOutputs, string sum)
    {
        string name = biasName[..^"bias".Length] + "weight";
        // A named initializer used as a MatMul operand was taken as-is by the first pass; it is this weight, stored [in, out].
        if (ParameterName(weight.Name) is { } own) tensors.Remove(own);
        if (tensors.ContainsKey(name))
            throw new CheckpointFormatException(path, weight.Name, $"a second weight for '{name}' (its bias '{biasName}' is added to two products)");
        var stored = decoder.Decode(weight, name);
        tensors[name] = transpose ? Transpose(stored) : stored;
        linearOutputs[biasName] = sum;
    }

    /// <summary>[rows, cols] → [cols, rows]: ONNX's x·W layout to PyTorch's Linear weight.</summary>
    private static NamedTensor Transpose(NamedTensor t)
    {
        int rows = t.Shape[0], cols = t.Shape[1];
        var source = t.Data;
        var result = new float[source.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                result[(long)c * rows + r] = source[(long)r * cols + c];
        return new NamedTensor(t.Name, [cols, rows], result, t.SourceDType);
    }

    private static OnnxBertShape ReadShape(string path, OnnxGraphIndex graph, Dictionary<string, NamedTensor> tensors, Dictionary<string, string> linearOutputs)
    {
        NamedTensor Require(string name, int rank)
        {
            if (!tensors.TryGetValue(name, out var t))
                throw new CheckpointFormatException(path, name, "missing: not a complete BERT encoder (BertModel export)");
            if (t.Shape.Length != rank)
                throw new CheckpointFormatException(path, name, $"shape [{string.Join(", ", t.Shape)}] has rank {t.Shape.Length}, expected {rank}");
            return t;
        }

        var words = Require("embeddings.word_embeddings.weight", 2);
        var positions = Require("embeddings.position_embeddings.weight", 2);
        var types = Require("embeddings.token_type_embeddings.weight", 2);
        Require("embeddings.LayerNorm.weight", 1);
        Require("embeddings.LayerNorm.bias", 1);
        int layers = 0;
        while (tensors.ContainsKey($"encoder.layer.{layers}.attention.self.query.bias")) layers++;
        if (layers == 0) Require("encoder.layer.0.attention.self.query.bias", 1);
        for (int i = 0; i < layers; i++)
        {
            foreach (string linear in s_linearsPerLayer)
            {
                Require($"encoder.layer.{i}.{linear}.weight", 2);
                Require($"encoder.layer.{i}.{linear}.bias", 1);
            }
            foreach (string norm in s_layerNormsPerLayer)
            {
                Require($"encoder.layer.{i}.{norm}.weight", 1);
                Require($"encoder.layer.{i}.{norm}.bias", 1);
            }
        }

        int hidden = words.Shape[1];
        return new OnnxBertShape(
            VocabSize: words.Shape[0],
            HiddenSize: hidden,
            NumHiddenLayers: layers,
            NumAttentionHeads: OnnxBertGraphFacts.HeadCount(path, graph, linearOutputs, layers, hidden),
            IntermediateSize: Require("encoder.layer.0.intermediate.dense.bias", 1).Shape[0],
            MaxPositionEmbeddings: positions.Shape[0],
            TypeVocabSize: types.Shape[0],
            LayerNormEps: OnnxBertGraphFacts.LayerNormEpsilon(path, graph),
            HiddenAct: OnnxBertGraphFacts.Activation(path, graph, OnnxBertGraphFacts.LinearOutput(path, linearOutputs, "encoder.layer.0.intermediate.dense.bias")));
    }

    internal static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
