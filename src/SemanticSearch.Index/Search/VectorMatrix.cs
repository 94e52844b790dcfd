using System.Numerics.Tensors;
using Microsoft.Data.Sqlite;
using SemanticSearch.Index.Storage;

namespace SemanticSearch.Index.Search;

/// <summary>
/// Every window vector of the index in one contiguous float array, L2-normalized on load so cosine
/// is a plain dot product. Rows are grouped by document (the windows of a document are adjacent),
/// which lets the scan take each document's best window without a hash map.
/// </summary>
public sealed class VectorMatrix
{
    public int Dimension { get; }
    /// <summary>The index generation this snapshot was read at.</summary>
    public long Generation { get; }
    public int Rows => _rowCount;
    public int Documents => _docs.Length;

    private readonly float[] _data;
    private readonly int _rowCount;
    private readonly long[] _docs;       // doc id of each group
    private readonly int[] _groupStart;  // first row of each group; _groupStart[^1] == Rows

    private VectorMatrix(int dimension, long generation, float[] data, int rows, long[] docs, int[] groupStart)
    {
        Dimension = dimension; Generation = generation; _data = data; _rowCount = rows; _docs = docs; _groupStart = groupStart;
    }

    /// <summary>Reads all vectors; call inside a <see cref="ReadSnapshot"/> so the rows match the generation.</summary>
    internal static VectorMatrix Load(SqliteConnection conn, int dimension)
    {
        long generation = MetaTable.Generation(conn);
        long count;
        using (var c = conn.CreateCommand()) { c.CommandText = "SELECT COUNT(*) FROM vectors"; count = (long)c.ExecuteScalar()!; }
        if (count * dimension > Array.MaxLength) throw new InvalidOperationException($"{count} vectors of dimension {dimension} do not fit in one in-memory matrix");
        var data = new float[count * dimension];
        var docs = new List<long>();
        var starts = new List<int>();
        int row = 0;
        using (var c = conn.CreateCommand())
        {
            c.CommandText = "SELECT doc, vector FROM vectors ORDER BY doc, window_no";
            using var r = c.ExecuteReader();
            while (r.Read() && row < count)
            {
                long doc = r.GetInt64(0);
                if (docs.Count == 0 || docs[^1] != doc) { docs.Add(doc); starts.Add(row); }
                var span = data.AsSpan(row * dimension, dimension);
                VectorBlob.CopyTo((byte[])r[1], span, dimension);
                NormalizeInPlace(span);
                row++;
            }
        }
        starts.Add(row);
        return new VectorMatrix(dimension, generation, data, row, docs.ToArray(), starts.ToArray());
    }

    public static void NormalizeInPlace(Span<float> v)
    {
        float norm = TensorPrimitives.Norm(v);
        if (norm > 0) TensorPrimitives.Divide(v, norm, v);
    }

    /// <summary>
    /// Exact top-<paramref name="k"/> documents by best-window cosine with <paramref name="query"/>
    /// (unit length). <paramref name="allowed"/> (if given) is applied before ranking; the scan is split
    /// over cores by document ranges, each with its own heap, merged at the end.
    /// </summary>
    public List<ScoredDoc> Search(ReadOnlySpan<float> query, int k, HashSet<long>? allowed = null, long? exclude = null)
    {
        if (query.Length != Dimension) throw new ArgumentException($"query vector has dimension {query.Length}, index has {Dimension}");
        var q = query.ToArray();
        int groups = _docs.Length;
        if (groups == 0) return new List<ScoredDoc>();
        int parts = Math.Min(Environment.ProcessorCount, Math.Max(1, _rowCount / 4096));
        var heaps = new TopK[parts];
        Parallel.For(0, parts, p =>
        {
            var heap = new TopK(k);
            int from = (int)((long)groups * p / parts), to = (int)((long)groups * (p + 1) / parts);
            for (int g = from; g < to; g++)
            {
                long doc = _docs[g];
                if (allowed is not null && !allowed.Contains(doc)) continue;
                if (exclude == doc) continue;
                float best = float.NegativeInfinity;
                for (int row = _groupStart[g]; row < _groupStart[g + 1]; row++)
                    best = Math.Max(best, TensorPrimitives.Dot(_data.AsSpan(row * Dimension, Dimension), q));
                heap.Offer(doc, best);
            }
            heaps[p] = heap;
        });
        for (int p = 1; p < parts; p++) heaps[0].MergeFrom(heaps[p]);
        return heaps[0].ToSortedList();
    }

    /// <summary>The unit-length mean of a document's windows, or null if it has no vectors.</summary>
    public float[]? DocumentCentroid(long doc)
    {
        int g = Array.BinarySearch(_docs, doc);
        if (g < 0) return null;
        var sum = new float[Dimension];
        for (int row = _groupStart[g]; row < _groupStart[g + 1]; row++)
            TensorPrimitives.Add(sum, _data.AsSpan(row * Dimension, Dimension), sum);
        NormalizeInPlace(sum);
        return sum;
    }
}
