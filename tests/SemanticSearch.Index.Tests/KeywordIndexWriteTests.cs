using System.Security.Cryptography;
using System.Text;
using Microsoft.Data.Sqlite;
using SemanticSearch.Index.Search;
using SemanticSearch.Index.Storage;

namespace SemanticSearch.Index.Tests;

/// <summary>
/// The writer (not triggers) keeps the FTS5 table in step with `documents` on insert and update;
/// FTS5's own integrity check compares every posting with the content table.
/// </summary>
public class KeywordIndexWriteTests
{
    private static SourceDocument Doc(string id, string title, string text, params string[] tags) => new(id, title, text, tags);

    private static SqliteConnection Raw(string dir)
    {
        var conn = new SqliteConnection($"Data Source={IndexDatabase.PathIn(dir)};Pooling=false");
        conn.Open();
        return conn;
    }

    private static void AssertKeywordIndexMatchesDocuments(string dir)
    {
        using var conn = Raw(dir);
        // rank 1: also check the index against the external content table (FTS5 throws on any mismatch)
        IndexDatabase.Execute(conn, "INSERT INTO fts(fts, rank) VALUES ('integrity-check', 1)");
    }

    private static List<string> Ids(IndexSearcher s, string query, params string[] tags) =>
        s.Search(new SearchRequest(query) { Top = 1000, Tags = tags, Snippets = false }).Hits.Select(h => h.Id).ToList();

    [Fact]
    public void Inserts_updates_retags_and_deletes_keep_postings_equal_to_documents()
    {
        using var dir = new TempDirectory();
        var enc = new HashingTestEncoder(); // vectors too: their change-log triggers fire in the same transactions
        using (var w = IndexWriter.Open(dir.Path, enc))
        {
            w.Upsert(Enumerable.Range(0, 300).Select(i => Doc($"d{i}", $"title{i}", $"common word{i % 7} filler")).ToList());
            w.Upsert(new[] { Doc("d1", "retitled", "zebra crossing"), Doc("d2", "title2", "common word2 filler", "newtag"), Doc("new", "", "yak") });
            w.Upsert(new[] { Doc("d1", "retitled", "zebra crossing", "t"), Doc("d3", "title3", "walrus") });
            w.Delete(new[] { "d4", "d5" });
        }
        AssertKeywordIndexMatchesDocuments(dir.Path);
        using var s = IndexSearcher.Open(dir.Path, enc);
        Assert.Equal(new[] { "d1" }, Ids(s, "zebra"));
        Assert.Equal(new[] { "d1" }, Ids(s, "retitled"));
        Assert.Empty(Ids(s, "title1"));            // old title's postings are gone
        Assert.Equal(new[] { "d3" }, Ids(s, "walrus"));
        Assert.DoesNotContain("d3", Ids(s, "word3")); // d3's old text no longer matches
        Assert.Contains("d10", Ids(s, "word3"));
        Assert.Equal(new[] { "d2" }, Ids(s, "title2", "newtag"));
        Assert.Equal(new[] { "new" }, Ids(s, "yak"));
        Assert.Equal(300 - 4, Ids(s, "common").Count); // d1, d3 rewritten without it; d4, d5 deleted
    }

    [Fact]
    public void An_index_made_with_insert_and_update_triggers_loses_them_and_stays_consistent()
    {
        using var dir = new TempDirectory();
        using (var w = IndexWriter.Open(dir.Path)) w.Upsert(new[] { Doc("a", "", "old apple") });
        using (var conn = Raw(dir.Path)) // the first schema's triggers, as existing indexes hold them
            IndexDatabase.Execute(conn, """
                CREATE TRIGGER documents_ai AFTER INSERT ON documents BEGIN
                    INSERT INTO fts(rowid, title, text) VALUES (new.doc, new.title, new.text);
                END;
                CREATE TRIGGER documents_au AFTER UPDATE OF title, text ON documents BEGIN
                    INSERT INTO fts(fts, rowid, title, text) VALUES ('delete', old.doc, old.title, old.text);
                    INSERT INTO fts(rowid, title, text) VALUES (new.doc, new.title, new.text);
                END;
                """);
        using (var w = IndexWriter.Open(dir.Path)) w.Upsert(new[] { Doc("a", "", "new pear"), Doc("b", "", "pear tree") });
        using (var conn = Raw(dir.Path))
        using (var cmd = conn.CreateCommand())
        {
            cmd.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name IN ('documents_ai', 'documents_au')";
            Assert.Equal(0L, (long)cmd.ExecuteScalar()!);
        }
        AssertKeywordIndexMatchesDocuments(dir.Path); // a doubly-indexed row would fail this
        using var s = IndexSearcher.Open(dir.Path);
        Assert.Empty(Ids(s, "apple"));
        Assert.Equal(new[] { "a", "b" }, Ids(s, "pear").Order());
    }

    [Fact]
    public void Stored_hashes_are_sha256_of_length_prefixed_utf8_parts()
    {
        // Pins the byte layout: indexes written by earlier builds must keep recognising unchanged documents.
        using var dir = new TempDirectory();
        var d = Doc("x", "Tïtle", "text ✓", "b", "a");
        using (var w = IndexWriter.Open(dir.Path)) w.Upsert(new[] { d with { MetadataJson = "{\"k\":1}" } });
        using var conn = Raw(dir.Path);
        using var cmd = conn.CreateCommand();
        cmd.CommandText = "SELECT content_hash, record_hash FROM documents WHERE id = 'x'";
        using var r = cmd.ExecuteReader();
        Assert.True(r.Read());
        Assert.Equal(Expected("Tïtle", "text ✓"), (byte[])r[0]);
        Assert.Equal(Expected("Tïtle", "text ✓", "a\u001fb", "{\"k\":1}"), (byte[])r[1]);

        static byte[] Expected(params string[] parts)
        {
            var bytes = new List<byte>();
            foreach (var p in parts)
            {
                var utf8 = Encoding.UTF8.GetBytes(p);
                bytes.AddRange(BitConverter.GetBytes(utf8.Length));
                bytes.AddRange(utf8);
            }
            return SHA256.HashData(bytes.ToArray());
        }
    }

    [Theory]
    [InlineData("plain-tag_1.x:y")]
    [InlineData("quote\"and\\backslash")]
    [InlineData("naïve/ünïcode")]
    [InlineData("a b")]
    public void Tags_round_trip_through_the_stored_json(string tag)
    {
        using var dir = new TempDirectory();
        using (var w = IndexWriter.Open(dir.Path)) w.Upsert(new[] { Doc("a", "", "kiwi", tag, "second") });
        using var s = IndexSearcher.Open(dir.Path);
        var hit = Assert.Single(s.Search(new SearchRequest("kiwi") { Tags = new[] { tag } }).Hits);
        Assert.Equal(new[] { tag, "second" }, hit.Tags);
    }
}
