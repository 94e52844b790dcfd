using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace SemanticSearch.Index.Storage;

/// <summary>
/// Two hashes per document: the content hash covers what is embedded (title, text), so a change of
/// tags or metadata alone never costs a re-embedding; the record hash covers everything, so an
/// identical re-ingest is skipped without touching the row at all.
/// </summary>
internal static class DocumentHashes
{
    public static byte[] Content(SourceDocument d) => Hash(d.Title, d.Text);

    public static byte[] Record(SourceDocument d) =>
        Hash(d.Title, d.Text, TagsKey(d.Tags), d.MetadataJson ?? "\u0000null");

    private static string TagsKey(IReadOnlyList<string> tags) => tags.Count switch
    {
        0 => "",
        1 => tags[0],
        _ => string.Join("\u001f", tags.Order(StringComparer.Ordinal)),
    };

    /// <summary>
    /// SHA-256 over each part as (int32 little-endian UTF-8 length, UTF-8 bytes); length-prefixing
    /// makes ("ab","c") and ("a","bc") hash differently. The bytes are those of the first version
    /// (stored hashes stay valid); they are laid out in one buffer and hashed in one call, which
    /// is several times cheaper per short document than an incremental hash with an array per part.
    /// </summary>
    private static byte[] Hash(params ReadOnlySpan<string> parts)
    {
        int max = 0;
        foreach (var p in parts) max += 4 + Encoding.UTF8.GetMaxByteCount(p.Length);
        byte[]? rented = max > 2048 ? ArrayPool<byte>.Shared.Rent(max) : null;
        Span<byte> buffer = rented is null ? stackalloc byte[2048] : rented;
        int n = 0;
        foreach (var p in parts)
        {
            int length = Encoding.UTF8.GetBytes(p, buffer[(n + 4)..]);
            BinaryPrimitives.WriteInt32LittleEndian(buffer[n..], length);
            n += 4 + length;
        }
        var hash = SHA256.HashData(buffer[..n]);
        if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        return hash;
    }
}
