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
    /// <summary>Meta keys of the bound model.</summary>
    public const string BoundPrefix = "model_";
    /// <summary>Meta keys of the model a re-embedding is staging vectors for (see Reembedding/).</summary>
    public const string PendingPrefix = "pending_model_";

    public static ModelBinding? Read(SqliteConnection conn, SqliteTransaction? tx = null, string prefix = BoundPrefix)
    {
        string? fp = MetaTable.Get(conn, prefix + "fingerprint", tx);
        if (fp is null) return null;
        var identity = new EncoderIdentity(fp,
            int.Parse(MetaTable.Get(conn, prefix + "dimension", tx)!, CultureInfo.InvariantCulture),
            int.Parse(MetaTable.Get(conn, prefix + "max_seq_length", tx)!, CultureInfo.InvariantCulture),
            MetaTable.Get(conn, prefix + "normalizes", tx) == "true");
        return new ModelBinding(identity, MetaTable.Get(conn, prefix + "path", tx));
    }

    public void Write(SqliteConnection conn, SqliteTransaction tx, string prefix = BoundPrefix)
    {
        MetaTable.Set(conn, prefix + "fingerprint", Identity.Fingerprint, tx);
        MetaTable.Set(conn, prefix + "dimension", Identity.Dimension.ToString(CultureInfo.InvariantCulture), tx);
        MetaTable.Set(conn, prefix + "max_seq_length", Identity.MaxSeqLength.ToString(CultureInfo.InvariantCulture), tx);
        MetaTable.Set(conn, prefix + "normalizes", Identity.Normalizes ? "true" : "false", tx);
        // A model without a path must not inherit the previous model's path.
        if (ModelPath is not null) MetaTable.Set(conn, prefix + "path", ModelPath, tx);
        else DeleteKey(conn, prefix + "path", tx);
    }

    /// <summary>Removes every key of the binding stored under <paramref name="prefix"/>.</summary>
    public static void Clear(SqliteConnection conn, SqliteTransaction tx, string prefix)
    {
        foreach (var key in new[] { "fingerprint", "dimension", "max_seq_length", "normalizes", "path" }) DeleteKey(conn, prefix + key, tx);
    }

    private static void DeleteKey(SqliteConnection conn, string key, SqliteTransaction tx)
    {
        using var cmd = conn.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "DELETE FROM meta WHERE key = $k";
        cmd.Parameters.AddWithValue("$k", key);
        cmd.ExecuteNonQuery();
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
