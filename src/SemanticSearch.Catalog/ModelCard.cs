using System.Globalization;
using System.Reflection;

namespace SemanticSearch.Catalog;

/// <summary>The sha256 (hex) of each file a pulled model was made from or consists of.</summary>
public sealed record ModelCardHashes(string Package, string Onnx, string Vocab, string SafeTensors);

/// <summary>
/// README.md (where the model came from, every hash, the licences, how it runs) and LICENSE (the model's licence
/// text) of a pulled model folder.
/// </summary>
internal static class ModelCard
{
    public static void Write(string directory, PretrainedModel model, ModelCardHashes hashes, string fingerprint)
    {
        string prefix = model.QueryPrefix is null ? "none" : $"`{model.QueryPrefix}` (queries only; documents are encoded as they are)";
        string text = string.Create(CultureInfo.InvariantCulture, $"""
            # {model.Name}

            {model.Origin}: {model.Description}.

            | | |
            | --- | --- |
            | source | NuGet package `{model.PackageId}` {model.PackageVersion} (package licence {model.PackageLicence}) |
            | package sha256 | `{hashes.Package}` |
            | ONNX resource | `{model.OnnxResource}` of `{model.AssemblyEntry}`, sha256 `{hashes.Onnx}` |
            | vocabulary resource | `{model.VocabResource}`, sha256 `{hashes.Vocab}` |
            | model.safetensors sha256 | `{hashes.SafeTensors}` |
            | semsearch fingerprint | `{fingerprint}` |
            | model licence | {model.ModelLicence} (`LICENSE`) |
            | pipeline | BERT → {model.Pooling.ToString().ToLowerInvariant()} pooling{(model.Normalize ? " → L2 normalize" : "")}, max_seq_length {model.MaxSeqLength} |
            | query prefix | {prefix} |

            Made by `semsearch model pull {model.Name}`: the package's hash was checked against the one pinned in
            SemanticSearch.Catalog, the ONNX export and vocabulary were read out of the DLL's manifest resources without
            loading it, and the export's Linear weights were named after their biases and transposed to [out, in].

            """);
        File.WriteAllText(Path.Combine(directory, "README.md"), text);
        using var licence = typeof(ModelCard).Assembly.GetManifestResourceStream($"{model.ModelLicence}.txt")
            ?? throw new InvalidOperationException($"no licence text for {model.ModelLicence}");
        using var output = File.Create(Path.Combine(directory, "LICENSE"));
        licence.CopyTo(output);
    }
}
