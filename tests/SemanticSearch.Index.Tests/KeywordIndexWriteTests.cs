using System.Security.Cryptography;
using System.Text;
using SemanticSearch.Index.Search;
using SemanticSearch.Index.Storage;

namespace SemanticSearch.Index.Tests;

/// <summary>
/// Inserts, updates, re-tags and deletes keep the keyword postings equal to the stored documents;
/// Lucene's CheckIndex verifies every segment of the result.
/// </summary>
public class KeywordIndexWriteTests
{
    private static SourceDocument Doc(string id, string title, string text, params string[] tags) => new(id, title, text, tags);

    private static void AssertKeywordIndexMatchesDocuments(string dir)
    {
        using var d = Lucene.Net.Store.FSDirectory.Open(dir);
        var status = new Lucene.Net.Index.CheckIndex(d).DoCheckIndex();
        Assert.True(status.Clean, "CheckIndex found damage");
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
    public void Stored_hashes_are_sha256_of_length_prefixed_utf8_parts()
    {
        // Pins the byte layout: indexes written by earlier builds must keep recognising unchanged documents.
        using var dir = new TempDirectory();
        var d = Doc("x", "Tïtle", "text ✓", "b", "a");
        using (var w = IndexWriter.Open(dir.Path)) w.Upsert(new[] { d with { MetadataJson = "{\"k\":1}" } });
        using var d2 = Lucene.Net.Store.FSDirectory.Open(dir.Path);
        using var reader = Lucene.Net.Index.DirectoryReader.Open(d2);
        var found = DocLookup.Find(reader, "x")!.Value;
        var record = StoredRecord.Read(found.Leaf, found.Doc);
        Assert.Equal(Expected("Tïtle", "text ✓"), record.ContentHash);
        Assert.Equal(Expected("Tïtle", "text ✓", "a\u001fb", "{\"k\":1}"), record.RecordHash);

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
    public void Tags_round_trip_through_the_stored_fields(string tag)
    {
        using var dir = new TempDirectory();
        using (var w = IndexWriter.Open(dir.Path)) w.Upsert(new[] { Doc("a", "", "kiwi", tag, "second") });
        using var s = IndexSearcher.Open(dir.Path);
        var hit = Assert.Single(s.Search(new SearchRequest("kiwi") { Tags = new[] { tag } }).Hits);
        Assert.Equal(new[] { tag, "second" }, hit.Tags);
    }
}
