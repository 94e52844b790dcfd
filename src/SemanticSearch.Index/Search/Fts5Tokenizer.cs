using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using SemanticSearch.Index.Storage;

namespace SemanticSearch.Index.Search;

/// <summary>
/// FTS5's own tokenizer, run on text outside the index: a private in-memory database holds a
/// contentless FTS5 table with the index's columns and tokenize= option (read from the index's own
/// schema, so it cannot drift from what the postings were built with) and an fts5vocab 'instance'
/// table over it. Text is inserted, its token instances read back, and the table emptied again.
/// Not thread-safe: one instance per connection / refresher.
/// </summary>
internal sealed partial class Fts5Tokenizer : IDisposable
{
    private readonly SqliteConnection _mem;
    private readonly SqliteCommand _insertTerms, _readTerms, _clear;

    /// <summary>Column names of the index's FTS5 table, in order (title, text).</summary>
    public IReadOnlyList<string> Columns { get; }

    private Fts5Tokenizer(SqliteConnection mem, IReadOnlyList<string> columns)
    {
        _mem = mem; Columns = columns;
        _insertTerms = mem.CreateCommand();
        // One row per query term (rowid = its position + 1), all in the first column.
        _insertTerms.CommandText = $"INSERT INTO tok(rowid, \"{columns[0]}\") SELECT key + 1, value FROM json_each($terms)";
        _insertTerms.Parameters.Add("$terms", SqliteType.Text);
        _readTerms = mem.CreateCommand();
        _readTerms.CommandText = "SELECT doc, term FROM tok_instances";
        _clear = mem.CreateCommand();
        _clear.CommandText = "INSERT INTO tok(tok) VALUES ('delete-all')";
    }

    /// <summary>A tokenizer configured like the FTS5 table "fts" of the index open on <paramref name="indexConn"/>.</summary>
    public static Fts5Tokenizer For(SqliteConnection indexConn)
    {
        using var cmd = indexConn.CreateCommand();
        cmd.CommandText = "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'fts'";
        string sql = cmd.ExecuteScalar() as string ?? throw new InvalidDataException("the index has no FTS5 table 'fts'");
        var tokenize = TokenizeOption().Match(sql);
        var columns = new List<string>();
        using (var info = indexConn.CreateCommand())
        {
            info.CommandText = "SELECT name FROM pragma_table_info('fts')";
            using var r = info.ExecuteReader();
            while (r.Read()) columns.Add(r.GetString(0));
        }
        if (columns.Count == 0) throw new InvalidDataException("the index's FTS5 table 'fts' has no columns");
        IndexDatabase.EnsureSqliteInitialized();
        var mem = new SqliteConnection("Data Source=:memory:;Pooling=False");
        try
        {
            mem.Open();
            string cols = string.Join(", ", columns.Select(c => $"\"{c}\""));
            string option = tokenize.Success ? ", " + tokenize.Value : "";
            IndexDatabase.Execute(mem, $"CREATE VIRTUAL TABLE tok USING fts5({cols}, content=''{option});" +
                                       "CREATE VIRTUAL TABLE tok_instances USING fts5vocab(tok, instance);");
            return new Fts5Tokenizer(mem, columns);
        }
        catch
        {
            mem.Dispose();
            throw;
        }
    }

    [GeneratedRegex(@"tokenize\s*=\s*('(?:[^']|'')*'|""(?:[^""]|"""")*"")", RegexOptions.IgnoreCase)]
    private static partial Regex TokenizeOption();

    /// <summary>
    /// The tokens FTS5 makes of each of <paramref name="terms"/> (element i: the tokens of terms[i],
    /// in no particular order; a term FTS5 splits into several tokens has several).
    /// </summary>
    public List<string>[] TokenizeEach(IReadOnlyList<string> terms)
    {
        var tokens = new List<string>[terms.Count];
        for (int i = 0; i < tokens.Length; i++) tokens[i] = new List<string>(1);
        if (terms.Count == 0) return tokens;
        _insertTerms.Parameters[0].Value = JsonArray(terms);
        _insertTerms.ExecuteNonQuery();
        try
        {
            using var r = _readTerms.ExecuteReader();
            while (r.Read()) tokens[r.GetInt64(0) - 1].Add(r.GetString(1));
        }
        finally
        {
            _clear.ExecuteNonQuery();
        }
        return tokens;
    }

    // Utf8JsonWriter rather than JsonSerializer: reflection-based serialization is off in trimmed hosts.
    private static string JsonArray(IReadOnlyList<string> values)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (var v in values) json.WriteStringValue(v);
            json.WriteEndArray();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>
    /// Token counts per (document, term, column) for rows given as (doc, column values): what FTS5
    /// would index for them. Calls <paramref name="visit"/> once per token instance.
    /// </summary>
    public void TokenizeRows(IEnumerable<(long Doc, string?[] Values)> rows, Action<long, string, int> visit)
    {
        using var insert = _mem.CreateCommand();
        var cols = Columns.Select((c, i) => (Name: $"\"{c}\"", Param: $"$c{i}")).ToList();
        insert.CommandText = $"INSERT INTO tok(rowid, {string.Join(", ", cols.Select(c => c.Name))}) VALUES ($doc, {string.Join(", ", cols.Select(c => c.Param))})";
        var doc = insert.Parameters.Add("$doc", SqliteType.Integer);
        var values = cols.Select(c => insert.Parameters.Add(c.Param, SqliteType.Text)).ToArray();
        using var tx = _mem.BeginTransaction();
        insert.Transaction = tx;
        try
        {
            foreach (var (d, v) in rows)
            {
                doc.Value = d;
                for (int c = 0; c < values.Length; c++) values[c].Value = (object?)v[c] ?? DBNull.Value;
                insert.ExecuteNonQuery();
            }
            using var read = _mem.CreateCommand();
            read.Transaction = tx;
            read.CommandText = "SELECT doc, term, col FROM tok_instances";
            using var r = read.ExecuteReader();
            var columnIndex = Columns.Select((c, i) => (c, i)).ToDictionary(x => x.c, x => x.i, StringComparer.Ordinal);
            while (r.Read()) visit(r.GetInt64(0), r.GetString(1), columnIndex[r.GetString(2)]);
        }
        finally
        {
            tx.Rollback(); // nothing of it is kept: the table is scratch space
        }
    }

    public void Dispose()
    {
        _insertTerms.Dispose(); _readTerms.Dispose(); _clear.Dispose();
        _mem.Dispose();
    }
}
