using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;
using SemanticSearch.Index.Storage;

namespace SemanticSearch.Index.Search;

/// <summary>
/// Keeps one <see cref="KeywordPostings"/> of an index current, the way <see cref="VectorMatrixRefresher"/>
/// keeps the vectors. The first load reads every token instance from FTS5 itself (an fts5vocab
/// 'instance' table), the rows' token counts from FTS5's docsize table and N and the total token count
/// from its averages record, so the statistics are FTS5's own. A refresh re-reads only documents that
/// changed: deleted or edited ones from the <see cref="DocumentChangeLog"/>, inserted ones by rowid
/// (see there); their current title/text is tokenized by FTS5's tokenizer (<see cref="Fts5Tokenizer"/>)
/// into new slots and their old slots are tombstoned. When dead slots exceed a quarter of the live
/// ones, the next refresh reloads everything instead. Refreshes are serialized here; searches only read
/// published snapshots.
/// </summary>
internal sealed class KeywordPostingsRefresher : IDisposable
{
    private const int CompactMinDeadSlots = 4096;

    private readonly object _refreshLock = new();
    private KeywordPostings? _current;
    private Fts5Tokenizer? _tokenizer;

    // Arena state, touched only under _refreshLock (see KeywordPostings for who reads what).
    private ConcurrentDictionary<string, int> _termIds = new(StringComparer.Ordinal);
    private int _termCount;
    private int[][] _slots = [], _counts = [];
    private int[] _lengths = [];
    private long[] _slotDoc = [];
    private int[] _slotTokens = [];
    private int _slotCount, _deadSlots, _columns;
    private long _postings;
    private ulong[] _live = [];
    private readonly Dictionary<long, int> _slotOf = new();

    /// <summary>The last published snapshot (null before the first load).</summary>
    public KeywordPostings? Current => Volatile.Read(ref _current);

    /// <summary>Seconds the last full load took (diagnostics for benchmarks).</summary>
    public double LastLoadSeconds { get; private set; }

    /// <summary>
    /// Postings exactly at <paramref name="conn"/>'s read snapshot, or null when they are not to be had
    /// without waiting: another call is refreshing, or the published postings are already past this
    /// snapshot. The caller then runs the query on FTS5 itself, which is always exact.
    /// </summary>
    public KeywordPostings? ForSnapshot(SqliteConnection conn)
    {
        var current = Current;
        long generation = MetaTable.Generation(conn);
        if (current is not null && current.Generation == generation) return current;
        if (current is not null && current.Generation > generation) return null;
        if (!Monitor.TryEnter(_refreshLock)) return null;
        try
        {
            var refreshed = Refresh(conn);
            return refreshed.Generation == generation ? refreshed : null;
        }
        finally { Monitor.Exit(_refreshLock); }
    }

    /// <summary>
    /// Brings the postings up to the state <paramref name="conn"/> sees; call inside a <see cref="ReadSnapshot"/>.
    /// Postings already at (or past) that generation are returned as they are.
    /// </summary>
    public KeywordPostings Refresh(SqliteConnection conn)
    {
        lock (_refreshLock)
        {
            long generation = MetaTable.Generation(conn);
            var current = _current;
            // Another call may have refreshed past this snapshot while this one waited for the lock:
            // keep that (ForSnapshot then sends this query to FTS5) rather than reload an older state.
            if (current is not null && current.Generation >= generation) return current;
            long? logSequence = DocumentChangeLog.LastSequence(conn);
            List<long>? changed = null;
            if (current?.LogSequence is long since && logSequence is long upTo)
                changed = DocumentChangeLog.ChangedSince(conn, since, upTo);
            KeywordPostings next;
            if (current is null || changed is null || _deadSlots + changed.Count >= Math.Max(CompactMinDeadSlots, _slotOf.Count / 4))
                next = LoadAll(conn, generation, logSequence);
            else
                next = Apply(conn, changed, generation, logSequence);
            Volatile.Write(ref _current, next);
            return next;
        }
    }

    private KeywordPostings LoadAll(SqliteConnection conn, long generation, long? logSequence)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        _tokenizer ??= Fts5Tokenizer.For(conn);
        _columns = _tokenizer.Columns.Count;
        // Fresh arrays and dictionary: snapshots published before keep reading the old ones.
        _termIds = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        _termCount = 0; _slots = new int[1024][]; _counts = new int[1024][]; _lengths = new int[1024];
        _slotCount = 0; _deadSlots = 0; _postings = 0;
        _slotOf.Clear();
        var sizes = Fts5Statistics.ReadDocSizes(conn, _columns);
        _slotDoc = new long[Math.Max(1024, sizes.Count)];
        _slotTokens = new int[_slotDoc.Length];
        foreach (var (doc, tokens) in sizes) NewSlot(doc, tokens);
        int term = -1;
        Fts5Statistics.ReadInstances(conn, _tokenizer.Columns, t => term = TermId(t), [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)] (doc, perColumn) =>
        {
            if (!_slotOf.TryGetValue(doc, out int slot))
                throw new InvalidDataException($"FTS5 holds tokens for row {doc} but has no docsize entry for it");
            AppendPosting(term, slot, perColumn);
        });
        _live = new ulong[(_slotCount + 63) / 64];
        for (int s = 0; s < _slotCount; s++) _live[s >> 6] |= 1UL << (s & 63);
        LastLoadSeconds = clock.Elapsed.TotalSeconds;
        return Publishable(conn, generation, logSequence, incremental: false);
    }

    private KeywordPostings Apply(SqliteConnection conn, List<long> changed, long generation, long? logSequence)
    {
        var reread = new HashSet<long>(changed);
        // Inserts are not logged: every row above the largest document held and not changed since is new.
        long stable = 0;
        foreach (long doc in _slotOf.Keys) if (doc > stable && !reread.Contains(doc)) stable = doc;
        using (var c = conn.CreateCommand())
        {
            c.CommandText = "SELECT doc FROM documents WHERE doc > $stable";
            c.Parameters.AddWithValue("$stable", stable);
            using var r = c.ExecuteReader();
            while (r.Read()) reread.Add(r.GetInt64(0));
        }
        var live = new ulong[(_slotCount + reread.Count + 63) / 64];
        Array.Copy(_live, live, _live.Length);
        foreach (long doc in reread)
        {
            if (!_slotOf.Remove(doc, out int old)) continue;
            live[old >> 6] &= ~(1UL << (old & 63));
            _deadSlots++;
        }
        // The documents' current content, tokenized by FTS5, and their token counts from FTS5's docsize.
        var rows = new List<(long Doc, string?[] Values)>();
        var tokens = new Dictionary<long, int>();
        using (var read = conn.CreateCommand())
        using (var size = conn.CreateCommand())
        {
            read.CommandText = $"SELECT {string.Join(", ", _tokenizer!.Columns.Select(c => $"\"{c}\""))} FROM documents WHERE doc = $doc";
            var p = read.Parameters.Add("$doc", SqliteType.Integer);
            size.CommandText = "SELECT sz FROM fts_docsize WHERE id = $doc";
            var q = size.Parameters.Add("$doc", SqliteType.Integer);
            foreach (long doc in reread.Order())
            {
                p.Value = doc;
                using var r = read.ExecuteReader();
                if (!r.Read()) continue; // deleted
                rows.Add((doc, Enumerable.Range(0, _columns).Select(i => r.IsDBNull(i) ? null : r.GetString(i)).ToArray()));
                q.Value = doc;
                var blob = size.ExecuteScalar() as byte[] ?? throw new InvalidDataException($"document row {doc} has no FTS5 docsize entry");
                tokens[doc] = Fts5Statistics.DocumentTokens(blob, _columns);
            }
        }
        var counts = new Dictionary<(long Doc, string Term), int[]>();
        _tokenizer.TokenizeRows(rows, (doc, term, column) =>
        {
            if (!counts.TryGetValue((doc, term), out var perColumn)) counts[(doc, term)] = perColumn = new int[_columns];
            perColumn[column]++;
        });
        var slotOfNew = new Dictionary<long, int>();
        foreach (var (doc, _) in rows) slotOfNew[doc] = NewSlot(doc, tokens[doc]);
        // In slot order, so each term's postings stay sorted by slot (searches binary-search them).
        foreach (var ((doc, term), perColumn) in counts.OrderBy(e => slotOfNew[e.Key.Doc])) AppendPosting(TermId(term), slotOfNew[doc], perColumn);
        if (live.Length * 64 < _slotCount) Array.Resize(ref live, (_slotCount + 63) / 64);
        foreach (int slot in slotOfNew.Values) live[slot >> 6] |= 1UL << (slot & 63);
        _live = live;
        return Publishable(conn, generation, logSequence, incremental: true);
    }

    private int NewSlot(long doc, int tokens)
    {
        if (_slotCount == _slotDoc.Length)
        {
            Array.Resize(ref _slotDoc, _slotDoc.Length * 2); // Resize copies: published snapshots keep the old arrays
            Array.Resize(ref _slotTokens, _slotDoc.Length);
        }
        _slotDoc[_slotCount] = doc;
        _slotTokens[_slotCount] = tokens;
        _slotOf[doc] = _slotCount;
        return _slotCount++;
    }

    private int TermId(string term)
    {
        if (_termIds.TryGetValue(term, out int id)) return id;
        if (_termCount == _lengths.Length)
        {
            Array.Resize(ref _slots, _termCount * 2);
            Array.Resize(ref _counts, _termCount * 2);
            Array.Resize(ref _lengths, _termCount * 2);
        }
        id = _termCount++;
        _slots[id] = new int[2];
        _counts[id] = new int[2 * _columns];
        _termIds[term] = id; // published after its arrays exist; snapshots ignore ids past their term count
        return id;
    }

    /// <summary>
    /// Appends past the lengths published snapshots read; a grown array replaces the old one in place,
    /// which is safe because the old and new arrays agree on every entry a published snapshot reads.
    /// </summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void AppendPosting(int term, int slot, int[] perColumn)
    {
        int n = _lengths[term];
        var slots = _slots[term];
        var counts = _counts[term];
        if (n == slots.Length)
        {
            Array.Resize(ref slots, n * 2);
            Array.Resize(ref counts, n * 2 * _columns);
            _counts[term] = counts;
            _slots[term] = slots;
        }
        slots[n] = slot;
        Array.Copy(perColumn, 0, counts, n * _columns, _columns);
        _lengths[term] = n + 1;
        _postings++;
    }

    private KeywordPostings Publishable(SqliteConnection conn, long generation, long? logSequence, bool incremental)
    {
        var (rows, totalTokens) = Fts5Statistics.ReadAverages(conn, _columns);
        // Lengths are per snapshot (later appends must stay invisible to it); the rest is shared.
        return new KeywordPostings(generation, logSequence, incremental, rows, totalTokens, _columns, _termIds, _termCount,
            _slots, _counts, (int[])_lengths.Clone(), _slotDoc, _slotTokens, _slotCount, _live, _slotOf.Count, _deadSlots, _postings);
    }

    public void Dispose() => _tokenizer?.Dispose();
}
