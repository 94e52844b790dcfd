using System.Globalization;
using Microsoft.Data.Sqlite;
using SemanticSearch.Index.Embedding;

namespace SemanticSearch.Index.Storage;

/// <summary>
/// The encoder an index's vectors were made with, recorded in the meta table the first time vectors
/// are written. Queries must use the same encoder: cosine scores between vectors of two different
/// models are meaningless, so a mismatch is an error rather than a silent bad ranking.
/// </summary>
public sealed record ModelBinding(EncoderIdentity Identity, string? ModelPath)
{
    public static ModelBinding? Read(SqliteConnection conn, SqliteTransaction? tx = null)
    {
        string? fp = MetaTable.Get(conn, "model_fingerprint", tx);
        if (fp is null) return null;
        var identity = new EncoderIdentity(fp,
            int.Parse(MetaTable.Get(conn, "model_dimension", tx)!, CultureInfo.InvariantCulture),
            int.Parse(MetaTable.Get(conn, "model_max_seq_length", tx)!, CultureInfo.InvariantCulture),
            MetaTable.Get(conn, "model_normalizes", tx) == "true");
        return new ModelBinding(identity, MetaTable.Get(conn, "model_path", tx));
    }

    public void Write(SqliteConnection conn, SqliteTransaction tx)
    {
        MetaTable.Set(conn, "model_fingerprint", Identity.Fingerprint, tx);
        MetaTable.Set(conn, "model_dimension", Identity.Dimension.ToString(CultureInfo.InvariantCulture), tx);
        MetaTable.Set(conn, "model_max_seq_length", Identity.MaxSeqLength.ToString(CultureInfo.InvariantCulture), tx);
        MetaTable.Set(conn, "model_normalizes", Identity.Normalizes ? "true" : "false", tx);
        if (ModelPath is not null) MetaTable.Set(conn, "model_path", ModelPath, tx);
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
