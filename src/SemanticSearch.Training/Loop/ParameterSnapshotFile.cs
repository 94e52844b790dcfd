using System.Text;
using SemanticSearch.Training.Optimization;

namespace SemanticSearch.Training.Loop;

/// <summary>
/// Exact parameter values for checkpoints and the early-stopping best model, little-endian:
///   "SSPARAM1" | int32 count | count × (string name | int32 n | n × f32)
/// Restoring requires the same parameter names and sizes: values attached to the wrong tensor would silently
/// corrupt the model, so a mismatch is an error naming the parameter.
/// </summary>
public static class ParameterSnapshotFile
{
    private static readonly byte[] Magic = "SSPARAM1"u8.ToArray();

    public static void Save(IReadOnlyList<TrainableParameter> parameters, Stream stream) => Save(parameters.Select(p => (p.Name, p.Values)).ToList(), stream);

    /// <summary>Named arrays that are not live parameters, e.g. a copy of the weights kept for early stopping.</summary>
    public static void Save(IReadOnlyList<(string Name, float[] Values)> parameters, Stream stream)
    {
        using var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        w.Write(Magic);
        w.Write(parameters.Count);
        foreach (var (name, values) in parameters)
        {
            w.Write(name);
            w.Write(values.Length);
            w.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        }
    }

    /// <summary>Overwrites the live values of <paramref name="parameters"/> with the stored ones.</summary>
    public static void Restore(IReadOnlyList<TrainableParameter> parameters, Stream stream, string sourceName) =>
        Restore(parameters.Select(p => (p.Name, p.Values)).ToList(), stream, sourceName);

    /// <summary>Overwrites the named arrays with the stored values.</summary>
    public static void Restore(IReadOnlyList<(string Name, float[] Values)> parameters, Stream stream, string sourceName)
    {
        using var r = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        try
        {
            if (!r.ReadBytes(Magic.Length).AsSpan().SequenceEqual(Magic))
                throw new InvalidDataException($"{sourceName}: not a parameter snapshot (bad magic)");
            int count = r.ReadInt32();
            if (count != parameters.Count)
                throw new InvalidDataException($"{sourceName}: holds {count} parameters, the model trains {parameters.Count} (different model or --freeze-* options?)");
            var byName = parameters.ToDictionary(p => p.Name, p => p.Values, StringComparer.Ordinal);
            var values = new List<(float[], float[])>();
            for (int i = 0; i < count; i++)
            {
                string name = r.ReadString();
                if (!byName.Remove(name, out var parameter))
                    throw new InvalidDataException($"{sourceName}: parameter '{name}' (entry {i}) is not trained by this model or is repeated");
                int n = r.ReadInt32();
                if (n != parameter.Length)
                    throw new InvalidDataException($"{sourceName}: parameter '{name}' has {n} values, the model's has {parameter.Length}");
                var data = new float[n];
                if (r.Read(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan())) != n * sizeof(float))
                    throw new EndOfStreamException();
                values.Add((parameter, data));
            }
            // Only after the whole file checked out: a bad file must not leave the model half overwritten.
            foreach (var (parameter, data) in values) data.CopyTo(parameter, 0);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"{sourceName}: parameter snapshot is truncated", e);
        }
    }
}
