namespace SemanticSearch.Checkpoints.Onnx;

/// <summary>
/// The architecture of a BERT encoder as read off an ONNX graph (the Model layer turns it into config.json).
/// <see cref="HiddenAct"/> uses config.json's spelling: "gelu" (erf), "gelu_new" (tanh approximation) or "relu".
/// </summary>
public sealed record OnnxBertShape(
    int VocabSize, int HiddenSize, int NumHiddenLayers, int NumAttentionHeads, int IntermediateSize,
    int MaxPositionEmbeddings, int TypeVocabSize, double LayerNormEps, string HiddenAct);

/// <summary>
/// A BERT encoder read from an ONNX export: every parameter under its Hugging Face <c>BertModel</c> name
/// (Linear weights as [out, in], like a PyTorch state dict), the architecture, and where the file came from.
/// </summary>
public sealed class OnnxBertExport
{
    public required string FilePath { get; init; }
    public required IReadOnlyDictionary<string, NamedTensor> Tensors { get; init; }
    public required OnnxBertShape Shape { get; init; }
    /// <summary>producer_name and producer_version of the ModelProto, e.g. "pytorch 1.10".</summary>
    public required string Producer { get; init; }
    /// <summary>The default-domain opset the graph was exported with.</summary>
    public required long OpsetVersion { get; init; }
}
