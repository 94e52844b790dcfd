using Microsoft.Data.Sqlite;
using SemanticSearch.Index.Storage;

namespace SemanticSearch.Index.Search;

/// <summary>
/// Keeps one <see cref="VectorMatrix"/> of an index current. The first load reads every vector; after
/// that a refresh reads the vector change log since the published snapshot and re-reads only those
/// documents: their old groups get tombstones in a copy of the live bitmap, their new rows are
/// appended to the arena past anything a published snapshot can see, and the new snapshot is
/// published with one volatile write. Refreshes are serialized here; searches only ever read
/// <see cref="Current"/>. When the arena holds more dead rows than a quarter of the live ones it is
/// compacted into fresh arrays (old snapshots keep the old ones until nobody holds them).
/// </summary>
internal sealed class VectorMatrixRefresher(int dimension)
{
    private const int InitialRows = 1024;
    private const int CompactMinDeadRows = 4096;

    private readonly object _refreshLock = new();
    private VectorMatrix? _current;

    // Arena state, touched only under _refreshLock.
    private float[] _data = Array.Empty<float>();
    private long[] _groupDoc = Array.Empty<long>();
    private int[] _groupStart = new int[1];
    private int _groups, _rows, _liveRows, _deadRows;
    private ulong[] _live = Array.Empty<ulong>();
    private readonly Dictionary<long, int> _groupOf = new();

    public int Dimension { get; } = dimension;

    /// <summary>The last published snapshot (null before the first load).</summary>
    public VectorMatrix? Current => Volatile.Read(ref _current);

    /// <summary>
    /// The matrix for a query running in <paramref name="conn"/>'s read snapshot: the published one
    /// when it is current; otherwise refreshed from this snapshot, unless another refresh is already
    /// running, in which case the query takes the last published matrix instead of waiting.
    /// </summary>
    public VectorMatrix ForSnapshot(SqliteConnection conn)
    {
        var current = Current;
        if (current is null) return Refresh(conn);
        if (current.Generation >= MetaTable.Generation(conn)) return current;
        if (!Monitor.TryEnter(_refreshLock)) return current;
        try { return Refresh(conn); }
        finally { Monitor.Exit(_refreshLock); }
    }

    /// <summary>
    /// Brings the matrix up to the state <paramref name="conn"/> sees; call inside a
    /// <see cref="ReadSnapshot"/> so the rows read match one committed generation. A snapshot already
    /// at (or past) that generation is returned as it is.
    /// </summary>
    public VectorMatrix Refresh(SqliteConnection conn)
    {
        lock (_refreshLock)
        {
            long generation = MetaTable.Generation(conn);
            var current = _current;
            if (current is not null && current.Generation >= generation) return current;
            long? logSequence = VectorChangeLog.LastSequence(conn);
            List<long>? changed = null;
            if (current?.LogSequence is long since && logSequence is long upTo)
                changed = VectorChangeLog.ChangedSince(conn, since, upTo);
            VectorMatrix next;
            if (current is null || changed is null) next = LoadAll(conn, generation, logSequence);
            else if (changed.Count == 0) next = current.At(generation, logSequence);
            else next = Apply(conn, changed, generation, logSequence);
            Volatile.Write(ref _current, next);
            return next;
        }
    }

    private VectorMatrix LoadAll(SqliteConnection conn, long generation, long? logSequence)
    {
        long count;
        using (var c = conn.CreateCommand()) { c.CommandText = "SELECT COUNT(*) FROM vectors"; count = (long)c.ExecuteScalar()!; }
        if (count * Dimension > Array.MaxLength) throw new InvalidOperationException($"{count} vectors of dimension {Dimension} do not fit in one in-memory matrix");
        // Fresh arrays: snapshots published before keep reading the old ones.
        _data = new float[Math.Max(InitialRows, count) * Dimension];
        _groupDoc = new long[64];
        _groupStart = new int[65];
        _groups = 0; _rows = 0; _liveRows = 0; _deadRows = 0;
        _groupOf.Clear();
        using (var c = conn.CreateCommand())
        {
            c.CommandText = "SELECT doc, vector FROM vectors ORDER BY doc, window_no";
            using var r = c.ExecuteReader();
            long open = long.MinValue;
            while (r.Read())
            {
                long doc = r.GetInt64(0);
                if (_groups == 0 || doc != open) { StartGroup(doc); open = doc; }
                AppendRow((byte[])r[1]);
            }
        }
        _live = new ulong[(_groups + 63) / 64];
        for (int g = 0; g < _groups; g++) _live[g >> 6] |= 1UL << (g & 63);
        _liveRows = _rows;
        return Publishable(generation, logSequence, incremental: false);
    }

    private VectorMatrix Apply(SqliteConnection conn, List<long> changed, long generation, long? logSequence)
    {
        var tombstoned = new List<int>();
        using var read = conn.CreateCommand();
        read.CommandText = "SELECT vector FROM vectors WHERE doc = $doc ORDER BY window_no";
        var p = read.Parameters.Add("$doc", SqliteType.Integer);
        foreach (long doc in changed)
        {
            if (_groupOf.Remove(doc, out int old))
            {
                tombstoned.Add(old);
                int oldRows = _groupStart[old + 1] - _groupStart[old];
                _liveRows -= oldRows; _deadRows += oldRows;
            }
            p.Value = doc;
            using var r = read.ExecuteReader();
            bool started = false;
            while (r.Read())
            {
                if (!started) { StartGroup(doc); started = true; }
                AppendRow((byte[])r[0]);
                _liveRows++;
            }
        }
        // Copy-on-write bitmap: the published snapshot keeps its own.
        var live = new ulong[(_groups + 63) / 64];
        Array.Copy(_live, live, _live.Length);
        foreach (int g in tombstoned) live[g >> 6] &= ~(1UL << (g & 63));
        foreach (int g in _groupOf.Values) live[g >> 6] |= 1UL << (g & 63);
        _live = live;
        if (_deadRows >= CompactMinDeadRows && _deadRows > _liveRows / 4) Compact();
        return Publishable(generation, logSequence, incremental: true);
    }

    private void StartGroup(long doc)
    {
        if (_groups + 1 >= _groupStart.Length)
        {
            int capacity = _groupDoc.Length * 2;
            Array.Resize(ref _groupDoc, capacity); // Resize copies into a new array: old snapshots are untouched
            Array.Resize(ref _groupStart, capacity + 1);
        }
        _groupDoc[_groups] = doc;
        _groupStart[_groups] = _rows;
        _groups++;
        _groupStart[_groups] = _rows;
        _groupOf[doc] = _groups - 1;
    }

    private void AppendRow(byte[] blob)
    {
        if ((long)(_rows + 1) * Dimension > _data.Length)
        {
            long capacity = Math.Min(Array.MaxLength / Dimension * (long)Dimension, Math.Max(_data.Length * 2L, (long)InitialRows * Dimension));
            if ((long)(_rows + 1) * Dimension > capacity) throw new InvalidOperationException($"{_rows + 1} vectors of dimension {Dimension} do not fit in one in-memory matrix");
            Array.Resize(ref _data, (int)capacity);
        }
        var row = _data.AsSpan(_rows * Dimension, Dimension);
        VectorBlob.CopyTo(blob, row, Dimension);
        VectorMatrix.NormalizeInPlace(row);
        _rows++;
        _groupStart[_groups] = _rows;
    }

    /// <summary>Copies the live groups, in their current order, into fresh arrays.</summary>
    private void Compact()
    {
        var data = new float[Math.Max(InitialRows, _liveRows) * (long)Dimension];
        var groupDoc = new long[Math.Max(64, _groupOf.Count)];
        var groupStart = new int[groupDoc.Length + 1];
        int groups = 0, rows = 0;
        for (int g = 0; g < _groups; g++)
        {
            if ((_live[g >> 6] & (1UL << (g & 63))) == 0) continue;
            int start = _groupStart[g], n = _groupStart[g + 1] - start;
            Array.Copy(_data, (long)start * Dimension, data, (long)rows * Dimension, (long)n * Dimension);
            groupDoc[groups] = _groupDoc[g];
            groupStart[groups] = rows;
            _groupOf[_groupDoc[g]] = groups;
            rows += n;
            groups++;
            groupStart[groups] = rows;
        }
        _data = data; _groupDoc = groupDoc; _groupStart = groupStart; _groups = groups; _rows = rows; _deadRows = 0;
        _live = new ulong[(groups + 63) / 64];
        for (int g = 0; g < groups; g++) _live[g >> 6] |= 1UL << (g & 63);
    }

    private VectorMatrix Publishable(long generation, long? logSequence, bool incremental) =>
        new(Dimension, generation, logSequence, incremental, _data, _groupDoc, _groupStart, _groups, _live, _liveRows, _groupOf.Count, _deadRows);
}
