using Microsoft.Data.Sqlite;
using SemanticSearch.Index.Storage;

namespace SemanticSearch.Index.Tagging;

/// <summary>
/// Tables of predicted tags, created when a writer opens the index (additive: an index made before
/// them upgrades in place). predicted_tags holds each label a head assigned with its probability;
/// doc_taggings records which head classified each document, including documents it answered
/// "unknown" for (they have no predicted_tags row), so a re-tag can tell done from pending. A
/// separate delete trigger (rather than a change to documents_ad, which existing indexes already hold)
/// drops both with the document.
/// </summary>
internal static class PredictedTagSchema
{
    private const string CreateSql = """
        CREATE TABLE IF NOT EXISTS predicted_tags(
            tag TEXT NOT NULL, doc INTEGER NOT NULL, confidence REAL NOT NULL,
            PRIMARY KEY(tag, doc)) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS predicted_tags_by_doc ON predicted_tags(doc);
        CREATE TABLE IF NOT EXISTS doc_taggings(doc INTEGER PRIMARY KEY, head TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS doc_taggings_by_head ON doc_taggings(head);
        CREATE TRIGGER IF NOT EXISTS documents_ad_predicted AFTER DELETE ON documents BEGIN
            DELETE FROM predicted_tags WHERE doc = old.doc;
            DELETE FROM doc_taggings WHERE doc = old.doc;
        END;
        """;

    public static void EnsureCreated(SqliteConnection conn, SqliteTransaction tx) => IndexDatabase.Execute(conn, CreateSql, tx);
}
