using Lucene.Net.Index;
using Lucene.Net.Util;
using SemanticSearch.Index.Storage;

namespace SemanticSearch.Index.Search;

/// <summary>
/// The window vectors of one Lucene segment as one in-memory matrix, L2-normalized so cosine is a
/// plain dot product: rows <c>RowStart[d] .. RowStart[d+1]</c> are document d's windows (none for a
/// document without vectors). Built once per segment core from its doc values and shared by every
/// reader that sees the segment: segments never change (deletions are the reader's live docs, which
/// the scan applies), so a commit that adds a small segment costs only that segment's load.
/// </summary>
internal sealed class SegmentVectors
{
    public int Dimension { get; }
    public int MaxDoc { get; }
    public int Rows { get; }
    public float[] Data { get; }
    public int[] RowStart { get; }

    private SegmentVectors(int dimension, int maxDoc, int rows, float[] data, int[] rowStart)
    {
        Dimension = dimension; MaxDoc = maxDoc; Rows = rows; Data = data; RowStart = rowStart;
    }

    public static SegmentVectors Load(AtomicReader leaf, string field, int dimension)
    {
        int maxDoc = leaf.MaxDoc;
        var rowStart = new int[maxDoc + 1];
        var values = leaf.GetBinaryDocValues(field);
        if (values is null) return new SegmentVectors(dimension, maxDoc, 0, [], rowStart);
        var bytes = new BytesRef();
        long rows = 0;
        for (int d = 0; d < maxDoc; d++)
        {
            rowStart[d] = (int)rows;
            values.Get(d, bytes);
            rows += VectorBlob.Windows(bytes.Length, dimension);
        }
        rowStart[maxDoc] = (int)rows;
        if (rows * dimension > Array.MaxLength) throw new InvalidOperationException($"{rows} vectors of dimension {dimension} do not fit in one in-memory matrix");
        var data = new float[rows * dimension];
        for (int d = 0; d < maxDoc; d++)
        {
            int n = rowStart[d + 1] - rowStart[d];
            if (n == 0) continue;
            values.Get(d, bytes);
            var target = data.AsSpan(rowStart[d] * dimension, n * dimension);
            System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes.Bytes.AsSpan(bytes.Offset, bytes.Length)).CopyTo(target);
            for (int w = 0; w < n; w++) VectorMatrix.NormalizeInPlace(target.Slice(w * dimension, dimension));
        }
        return new SegmentVectors(dimension, maxDoc, (int)rows, data, rowStart);
    }
}
