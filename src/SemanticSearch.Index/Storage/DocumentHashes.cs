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
        Hash(d.Title, d.Text, string.Join("\u001f", d.Tags.Order(StringComparer.Ordinal)), d.MetadataJson ?? "\u0000null");

    private static byte[] Hash(params string[] parts)
    {
        // Length-prefixing makes ("ab","c") and ("a","bc") hash differently.
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var p in parts)
        {
            var bytes = Encoding.UTF8.GetBytes(p);
            h.AppendData(BitConverter.GetBytes(bytes.Length));
            h.AppendData(bytes);
        }
        return h.GetHashAndReset();
    }
}
