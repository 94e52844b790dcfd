using System.Buffers.Binary;
using System.Text;

namespace SemanticSearch.Checkpoints.Tests;

/// <summary>
/// Builds safetensors files byte by byte, so tests can produce exactly the malformed layouts a
/// correct writer never would.
/// </summary>
internal static class HandBuiltSafeTensors
{
    public static byte[] Build(string headerJson, byte[] data, ulong? declaredHeaderLength = null)
    {
        byte[] header = Encoding.UTF8.GetBytes(headerJson);
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declaredHeaderLength ?? (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        return bytes;
    }

    public static string WriteFile(TemporaryDirectory directory, string headerJson, byte[] data, ulong? declaredHeaderLength = null)
    {
        string path = directory.File("model.safetensors");
        File.WriteAllBytes(path, Build(headerJson, data, declaredHeaderLength));
        return path;
    }

    public static byte[] Floats(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), values[i]);
        }

        return bytes;
    }
}
