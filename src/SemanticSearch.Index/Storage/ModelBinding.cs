using System.Globalization;
using SemanticSearch.Index.Embedding;

namespace SemanticSearch.Index.Storage;

/// <summary>
/// The encoder an index's vectors were made with, recorded in the commit user data the first time
/// vectors are written. Queries must use the same encoder: cosine scores between vectors of two different
/// models are meaningless, so a mismatch is an error rather than a silent bad ranking.
/// </summary>
public sealed record ModelBinding(EncoderIdentity Identity, string? ModelPath)
{
    /// <summary>Meta keys of the bound model.</summary>
    public const string BoundPrefix = "model_";
    /// <summary>Meta keys of the model a re-embedding is staging vectors for (see Reembedding/).</summary>
    public const string PendingPrefix = "pending_model_";

    public static ModelBinding? Read(IReadOnlyDictionary<string, string> data, string prefix = BoundPrefix)
    {
        string? fp = data.GetValueOrDefault(prefix + "fingerprint");
        if (fp is null) return null;
        var identity = new EncoderIdentity(fp,
            int.Parse(data[prefix + "dimension"], CultureInfo.InvariantCulture),
            int.Parse(data[prefix + "max_seq_length"], CultureInfo.InvariantCulture),
            data.GetValueOrDefault(prefix + "normalizes") == "true");
        return new ModelBinding(identity, data.GetValueOrDefault(prefix + "path"));
    }

    public void Write(IDictionary<string, string> data, string prefix = BoundPrefix)
    {
        data[prefix + "fingerprint"] = Identity.Fingerprint;
        data[prefix + "dimension"] = Identity.Dimension.ToString(CultureInfo.InvariantCulture);
        data[prefix + "max_seq_length"] = Identity.MaxSeqLength.ToString(CultureInfo.InvariantCulture);
        data[prefix + "normalizes"] = Identity.Normalizes ? "true" : "false";
        // A model without a path must not inherit the previous model's path.
        if (ModelPath is not null) data[prefix + "path"] = ModelPath;
        else data.Remove(prefix + "path");
    }

    /// <summary>Removes every key of the binding stored under <paramref name="prefix"/>.</summary>
    public static void Clear(IDictionary<string, string> data, string prefix)
    {
        foreach (var key in new[] { "fingerprint", "dimension", "max_seq_length", "normalizes", "path" }) data.Remove(prefix + key);
    }

    /// <summary>Throws unless <paramref name="encoder"/> is the model this index was built with.</summary>
    public void EnsureMatches(EncoderIdentity encoder, string indexDirectory)
    {
        if (encoder != Identity)
            throw new ModelMismatchException(
                $"index '{indexDirectory}' was built with model [{Identity.Describe()}]{(ModelPath is null ? "" : $" from '{ModelPath}'")}, " +
                $"but the given model is [{encoder.Describe()}]; use the same model or rebuild the index");
    }
}

/// <summary>The encoder offered for an index is not the one its vectors were made with.</summary>
public sealed class ModelMismatchException(string message) : InvalidOperationException(message);
