using System.Buffers.Binary;
using System.Text;
using SemanticSearch.Index.Tagging;

namespace SemanticSearch.Index.Storage;

/// <summary>
/// A document's predicted tags with their confidences as one doc-values blob, read per candidate
/// when a filter asks for a minimum confidence: int32 count, then per tag int32 UTF-8 length, the
/// bytes, and the confidence as float64 (all little-endian).
/// </summary>
internal static class PredictedTagBlob
{
    public static byte[] ToBytes(IReadOnlyList<PredictedTag> tags)
    {
        int size = 4;
        foreach (var t in tags) size += 4 + Encoding.UTF8.GetByteCount(t.Tag) + 8;
        var bytes = new byte[size];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteInt32LittleEndian(span, tags.Count);
        int at = 4;
        foreach (var t in tags)
        {
            int n = Encoding.UTF8.GetBytes(t.Tag, span[(at + 4)..]);
            BinaryPrimitives.WriteInt32LittleEndian(span[at..], n);
            at += 4 + n;
            BinaryPrimitives.WriteDoubleLittleEndian(span[at..], t.Confidence);
            at += 8;
        }
        return bytes;
    }

    /// <summary>The tags, most confident first (empty blob: none).</summary>
    public static PredictedTag[] Read(ReadOnlySpan<byte> blob)
    {
        if (blob.Length == 0) return [];
        try
        {
            int count = BinaryPrimitives.ReadInt32LittleEndian(blob);
            var tags = new PredictedTag[count];
            int at = 4;
            for (int i = 0; i < count; i++)
            {
                int n = BinaryPrimitives.ReadInt32LittleEndian(blob[at..]);
                string tag = Encoding.UTF8.GetString(blob.Slice(at + 4, n));
                at += 4 + n;
                tags[i] = new PredictedTag(tag, BinaryPrimitives.ReadDoubleLittleEndian(blob[at..]));
                at += 8;
            }
            return tags.OrderByDescending(t => t.Confidence).ThenBy(t => t.Tag, StringComparer.Ordinal).ToArray();
        }
        catch (ArgumentOutOfRangeException e) { throw new InvalidDataException("stored predicted tags are truncated", e); }
    }

    /// <summary>The confidence of <paramref name="tag"/> in the blob, or -1 when it is not there.</summary>
    public static double ConfidenceOf(ReadOnlySpan<byte> blob, string tag)
    {
        foreach (var t in Read(blob)) if (t.Tag == tag) return t.Confidence;
        return -1;
    }
}
