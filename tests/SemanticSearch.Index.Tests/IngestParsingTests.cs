using System.Text;
using SemanticSearch.Index.Ingest;

namespace SemanticSearch.Index.Tests;

/// <summary>The block-wise line reader, the one-pass JSONL parser and the batch limits of bulk ingest.</summary>
public class IngestParsingTests
{
    [Fact]
    public void Lines_longer_than_a_read_block_crlf_bom_and_a_last_line_without_break_are_read_exactly()
    {
        using var dir = new TempDirectory();
        string longLine = new string('x', 150_000) + "é";
        string path = dir.File("lines.txt");
        File.WriteAllBytes(path, [.. "\uFEFF"u8, .. "first\r\n"u8, .. Encoding.UTF8.GetBytes(longLine), .. "\n\nlast"u8]);
        var lines = Utf8LineReader.ReadLines(path).ToList();
        Assert.Equal([(1, "first"), (2, longLine), (3, ""), (4, "last")], lines);
        Assert.Empty(Utf8LineReader.ReadLines(dir.Write("empty.txt", "")));
        Assert.Equal([(1, "a")], Utf8LineReader.ReadLines(dir.Write("one.txt", "a\n")).ToList());
    }

    [Fact]
    public void Invalid_utf8_straddling_a_read_block_boundary_is_reported_on_its_own_line()
    {
        using var dir = new TempDirectory();
        var bytes = new List<byte>(Encoding.UTF8.GetBytes(new string('a', (1 << 16) - 2)));
        bytes.AddRange([0xC3, 0xA9, 0xE9, (byte)'\n']); // a valid é across the boundary, then a lone Latin-1 é
        bytes.AddRange("ok\n"u8.ToArray());
        string path = dir.File("mixed.txt");
        File.WriteAllBytes(path, bytes.ToArray());
        var lines = Utf8LineReader.ReadLines(path).ToList();
        Assert.Equal(2, lines.Count);
        Assert.Null(lines[0].Text);
        Assert.Equal((2, "ok"), lines[1]);
    }

    private static List<CorpusEntry> ParseJsonl(string content)
    {
        using var dir = new TempDirectory();
        return JsonlCorpusReader.Read(dir.Write("c.jsonl", content)).ToList();
    }

    [Fact]
    public void Jsonl_fields_keep_their_values_as_written()
    {
        var e = ParseJsonl("{\"_id\":1.50,\"te\\u0078t\":\"t\",\"title\":null,\"tags\":null,\"metadata\":{ \"b\" : [1, 2],\"a\":\"\\u00e9\" },\"other\":{\"x\":[1]}}\n" +
                           "{\"_id\":\"first\",\"text\":\"old\",\"_id\":\"second\",\"text\":\"new\",\"tags\":[\"p\",\"q\"]}\n" +
                           "  \u00a0 \n");
        Assert.Equal(2, e.Count); // the no-break-space line is blank
        var d = e[0].Document!;
        Assert.Equal(("1.50", "", "t"), (d.Id, d.Title, d.Text));
        Assert.Empty(d.Tags);
        Assert.Equal("{ \"b\" : [1, 2],\"a\":\"\\u00e9\" }", d.MetadataJson);
        var last = e[1].Document!;
        Assert.Equal(("second", "new"), (last.Id, last.Text)); // a repeated property: the last one counts
        Assert.Equal(["p", "q"], last.Tags);
    }

    [Theory]
    [InlineData("[1,2]", "expected a JSON object")]
    [InlineData("{\"_id\":\" \",\"text\":\"t\"}", "field \"_id\" is missing")]
    [InlineData("{\"_id\":true,\"text\":\"t\"}", "field \"_id\" is missing")]
    [InlineData("{\"_id\":\"a\",\"text\":5}", "field \"text\" is missing or not a string")]
    [InlineData("{\"_id\":\"a\",\"text\":\"t\",\"title\":[]}", "field \"title\" is not a string")]
    [InlineData("{\"_id\":\"a\",\"text\":\"t\",\"tags\":\"x\"}", "field \"tags\" is not an array")]
    [InlineData("{\"_id\":\"a\",\"text\":\"t\",\"tags\":[\"x\",[\"y\"]]}", "field \"tags\" must hold non-empty strings")]
    [InlineData("{\"_id\":\"a\",\"text\":\"t\",\"tags\":[\"\"]}", "field \"tags\" must hold non-empty strings")]
    [InlineData("{\"_id\":\"a\",\"text\":\"t\",\"metadata\":[1]}", "field \"metadata\" is not an object")]
    [InlineData("{\"_id\":\"a\",\"text\":\"t\"} x", "invalid JSON")]
    [InlineData("{\"_id\":\"a\",\"text\":5,", "invalid JSON")] // broken JSON wins over the field error before it
    [InlineData("{\"_id\":\"a\",\"text\":\"t\",\"tags\":[\"x\",]}", "invalid JSON")]
    public void Jsonl_errors_name_the_field_or_the_invalid_json(string line, string error)
    {
        var entry = Assert.Single(ParseJsonl(line + "\n"));
        Assert.Null(entry.Document);
        Assert.StartsWith(error, entry.Error);
        Assert.Equal(1, entry.Line);
    }

    [Fact]
    public void A_batch_also_ends_at_its_text_limit()
    {
        using var dir = new TempDirectory();
        using var w = IndexWriter.Open(dir.Path);
        var entries = Enumerable.Range(0, 10).Select(i => CorpusEntry.Ok("mem", i + 1, new SourceDocument($"d{i}", new string('a', 9) + i)));
        var report = new CorpusIngestor(w, new IngestOptions { BatchSize = 1000, MaxBatchChars = 25 }, _ => { }).Ingest(entries);
        Assert.Equal(10, report.Added);
        Assert.Equal(4, report.Batches); // 10 characters each: a batch ends at the third document (30 >= 25)
        Assert.Equal(10, w.CountDocuments());
    }
}
