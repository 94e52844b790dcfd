using System.Text;

namespace SemanticSearch.Service.Rpc;

/// <summary>
/// grpc-message percent-encoding: the UTF-8 bytes of the message, with every byte outside
/// 0x20–0x7E and '%' itself written as %XX. HTTP/2 header values must stay ASCII, so a non-ASCII
/// status message would otherwise be corrupted or rejected.
/// </summary>
public static class StatusMessageEncoding
{
    public static string Encode(string message)
    {
        var bytes = Encoding.UTF8.GetBytes(message);
        var builder = new StringBuilder(bytes.Length);
        foreach (var b in bytes)
        {
            if (b is >= 0x20 and <= 0x7E && b != (byte)'%')
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(b.ToString("X2"));
            }
        }
        return builder.ToString();
    }

    /// <summary>
    /// Decodes %XX sequences and reads the bytes as UTF-8. Malformed escapes are kept literally, as the
    /// spec asks receivers not to fail a call because of a badly encoded message.
    /// </summary>
    public static string Decode(string encoded)
    {
        if (!encoded.Contains('%'))
        {
            return encoded;
        }
        var bytes = new List<byte>(encoded.Length);
        for (var i = 0; i < encoded.Length; i++)
        {
            var c = encoded[i];
            if (c == '%' && i + 2 < encoded.Length
                && IsHex(encoded[i + 1]) && IsHex(encoded[i + 2]))
            {
                bytes.Add(Convert.ToByte(encoded.Substring(i + 1, 2), 16));
                i += 2;
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
            }
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static bool IsHex(char c) => c is >= '0' and <= '9' or >= 'a' and <= 'f' or >= 'A' and <= 'F';
}
