using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using SemanticSearch.Index.Embedding;
using SemanticSearch.Index.Storage;
using SemanticSearch.Model.Heads;

namespace SemanticSearch.Index.Tagging;

/// <summary>
/// A classifier head applied to documents. The head reads the pooled embedding of a document's text
/// (title + ". " + text, truncated to the encoder's max_seq_length, exactly what the head's training and
/// `semsearch classify` see). When the head was trained on the index's own encoder (same fingerprint),
/// that embedding is the document's first token window, already computed for the index, so tagging
/// costs only the head. Otherwise the document is embedded again with the head's own encoder
/// (<see cref="OwnEncoder"/>).
/// A softmax head stores its best label when its probability reaches the head's threshold and nothing
/// otherwise ("unknown": the document is recorded as classified by the head, with no predicted tag);
/// a sigmoid head stores every label at or above the threshold.
/// </summary>
public sealed class DocumentTagger
{
    public ClassifierHead Head { get; }
    /// <summary>sha256 of the head's config, labels and weights: equal fingerprints tag identically.</summary>
    public string HeadFingerprint { get; }
    /// <summary>The short form stored with every tagged document.</summary>
    public string HeadId => HeadFingerprint[..16];
    public string? HeadPath { get; }
    public ITextEncoder? OwnEncoder { get; }

    public DocumentTagger(ClassifierHead head, string? headPath = null, ITextEncoder? ownEncoder = null)
    {
        Head = head;
        HeadPath = headPath is null ? null : Path.GetFullPath(headPath);
        HeadFingerprint = Fingerprint(head);
        if (ownEncoder is not null)
        {
            if (ownEncoder.Identity.Fingerprint != head.Config.EncoderFingerprint)
                throw new ModelMismatchException($"classifier head {Where} was trained on encoder {Short(head.Config.EncoderFingerprint)}…, " +
                                                 $"but the model given with it is encoder {Short(ownEncoder.Identity.Fingerprint)}…; retrain the head on that encoder");
            EnsureDimension(ownEncoder.Identity, "its model");
        }
        OwnEncoder = ownEncoder;
    }

    private string Where => HeadPath is null ? "" : $"'{HeadPath}'";

    public TaggingHead Describe() => new(HeadFingerprint, HeadId, HeadPath, Head.Config.ToString(), Head.Labels.Count, Head.Config.EncoderFingerprint);

    /// <summary>True when documents' stored first-window vectors are what this head reads.</summary>
    public bool ReusesEmbeddingsOf(EncoderIdentity? indexEncoder) =>
        indexEncoder is not null && indexEncoder.Fingerprint == Head.Config.EncoderFingerprint;

    /// <summary>Throws a message naming both sides unless documents of an index bound to <paramref name="indexEncoder"/> can be tagged.</summary>
    public void EnsureUsableWith(EncoderIdentity? indexEncoder, string indexDirectory)
    {
        if (ReusesEmbeddingsOf(indexEncoder)) { EnsureDimension(indexEncoder!, $"index '{indexDirectory}'s model"); return; }
        if (OwnEncoder is null)
            throw new ModelMismatchException(
                $"classifier head {Where} was trained on encoder {Short(Head.Config.EncoderFingerprint)}…, but index '{indexDirectory}' " +
                (indexEncoder is null ? "is keyword-only" : $"is bound to encoder {Short(indexEncoder.Fingerprint)}…") +
                "; give the model folder that holds the head (DIR with classifier/ inside) so documents are embedded with the head's own encoder");
    }

    private void EnsureDimension(EncoderIdentity encoder, string what)
    {
        if (encoder.Dimension != Head.InputDimension)
            throw new ModelMismatchException($"classifier head {Where} takes {Head.InputDimension}-dimensional embeddings, but {what} produces {encoder.Dimension}-dimensional ones");
    }

    /// <summary>The predicted tags of each embedding (empty = unknown).</summary>
    public PredictedTag[][] Classify(IReadOnlyList<float[]> embeddings)
    {
        var result = new PredictedTag[embeddings.Count][];
        for (int i = 0; i < embeddings.Count; i++)
        {
            float[] p = Head.Probabilities(embeddings[i]);
            int[] chosen = ClassifierHead.AssignedLabels(p, Head.Config.MultiLabel, Head.Config.Threshold);
            result[i] = chosen.Select(c => new PredictedTag(Head.Labels[c], p[c])).ToArray();
        }
        return result;
    }

    /// <summary>Embeds texts with the head's own encoder, each truncated to one sequence as a classifier input is.</summary>
    public float[][] EmbedWithOwnEncoder(IReadOnlyList<string> texts, int batchSize)
    {
        var encoder = OwnEncoder ?? throw new InvalidOperationException("this tagger has no encoder of its own");
        var sequences = texts.Select(t => TokenWindowSplitter.QuerySequence(encoder.TokenIds(t), encoder.Identity.MaxSeqLength, encoder.ClsId, encoder.SepId)).ToList();
        return sequences.Count == 0 ? [] : encoder.EncodeIds(sequences, batchSize);
    }

    private static string Short(string fingerprint) => fingerprint[..Math.Min(12, fingerprint.Length)];

    private static string Fingerprint(ClassifierHead head)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes(head.Config.ToJson().ToJsonString()));
        foreach (var label in head.Labels) sha.AppendData(Encoding.UTF8.GetBytes(label + "\n"));
        foreach (var tensor in new[] { head.HiddenWeight, head.HiddenBias, head.OutputWeight, head.OutputBias })
            if (tensor is not null) sha.AppendData(MemoryMarshal.AsBytes(tensor.AsSpan()));
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}

/// <summary>What an index records about the head that made its predicted tags (commit user data, tagging_head_*).</summary>
public sealed record TaggingHead(string Fingerprint, string Id, string? Path, string Description, int Labels, string EncoderFingerprint)
{
    public static TaggingHead? Read(IReadOnlyDictionary<string, string> data)
    {
        string? fp = data.GetValueOrDefault("tagging_head_fingerprint");
        if (fp is null) return null;
        string? path = data.GetValueOrDefault("tagging_head_path");
        return new TaggingHead(fp, data.GetValueOrDefault("tagging_head_id") ?? fp[..16], string.IsNullOrEmpty(path) ? null : path,
            data.GetValueOrDefault("tagging_head_description") ?? "",
            int.Parse(data.GetValueOrDefault("tagging_head_labels") ?? "0", CultureInfo.InvariantCulture),
            data.GetValueOrDefault("tagging_head_encoder") ?? "");
    }

    /// <summary>The head recorded in the index at <paramref name="indexDirectory"/> (null: none, or no index there).</summary>
    public static TaggingHead? Read(string indexDirectory) =>
        IndexFiles.IsIndex(indexDirectory) ? Read(Storage.CommittedState.Read(indexDirectory)) : null;

    public void Write(IDictionary<string, string> data)
    {
        data["tagging_head_fingerprint"] = Fingerprint;
        data["tagging_head_id"] = Id;
        data["tagging_head_path"] = Path ?? "";
        data["tagging_head_description"] = Description;
        data["tagging_head_labels"] = Labels.ToString(CultureInfo.InvariantCulture);
        data["tagging_head_encoder"] = EncoderFingerprint;
    }
}
