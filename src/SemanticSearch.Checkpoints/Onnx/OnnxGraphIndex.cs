using SemanticSearch.Checkpoints.Onnx.Proto;

namespace SemanticSearch.Checkpoints.Onnx;

/// <summary>
/// Lookups over one ONNX graph: which node produces a value, which nodes consume it, and the constant tensors
/// (initializers and <c>Constant</c> nodes) by value name. Names of nodes in messages: the node's own name, else
/// its op type and first output, so an error always points at something a graph viewer shows.
/// </summary>
internal sealed class OnnxGraphIndex
{
    private readonly Dictionary<string, NodeProto> _producers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<NodeProto>> _consumers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TensorProto> _constants = new(StringComparer.Ordinal);
    private readonly HashSet<string> _initializers = new(StringComparer.Ordinal);
    private static readonly IReadOnlyList<NodeProto> s_none = Array.Empty<NodeProto>();

    public OnnxGraphIndex(string path, GraphProto graph)
    {
        Graph = graph;
        foreach (var tensor in graph.Initializer)
        {
            if (string.IsNullOrEmpty(tensor.Name)) throw new CheckpointFormatException(path, null, "an initializer has no name");
            _initializers.Add(tensor.Name);
            if (!_constants.TryAdd(tensor.Name, tensor)) throw new CheckpointFormatException(path, tensor.Name, "two initializers have this name");
        }
        foreach (var node in graph.Node)
        {
            foreach (string output in node.Output)
            {
                if (output.Length == 0) continue;
                if (!_producers.TryAdd(output, node))
                    throw new CheckpointFormatException(path, null, $"value '{output}' is produced by two nodes ({Describe(_producers[output])} and {Describe(node)})");
            }
            foreach (string input in node.Input)
            {
                if (input.Length == 0) continue;
                if (!_consumers.TryGetValue(input, out var list)) _consumers[input] = list = new List<NodeProto>(2);
                list.Add(node);
            }
            if (node.OpType == "Constant" && node.Domain.Length == 0 && node.Output.Count == 1
                && node.Attribute.FirstOrDefault(a => a.Name == "value") is { T: { } value })
                _constants.TryAdd(node.Output[0], value);
        }
    }

    public GraphProto Graph { get; }

    /// <summary>The initializers, in file order (Constant-node values are not included).</summary>
    public IEnumerable<TensorProto> Initializers => Graph.Initializer;

    public bool IsInitializer(string name) => _initializers.Contains(name);

    public NodeProto? Producer(string value) => _producers.GetValueOrDefault(value);

    public IReadOnlyList<NodeProto> Consumers(string value) => _consumers.TryGetValue(value, out var list) ? list : s_none;

    /// <summary>The constant tensor named <paramref name="value"/> (initializer or Constant output), or null.</summary>
    public TensorProto? Constant(string value) => _constants.GetValueOrDefault(value);

    public static string Describe(NodeProto node) =>
        node.Name.Length > 0 ? $"node '{node.Name}' ({node.OpType})" : $"{node.OpType} node producing '{node.Output.FirstOrDefault()}'";
}
