using System.Runtime.InteropServices;
using Grpc.Core;

namespace SemanticSearch.Service.Hosting;

/// <summary>
/// The server's file system as clients may name it. StartFineTune.server_file must be a regular,
/// non-empty file of at most <see cref="MaxServerFileBytes"/> inside the data root (off unless
/// configured); ActivateModel.model_path a folder inside a model root or the index's models/ folder.
/// Paths are resolved with realpath(3), so "..", absolute paths and symlinks cannot step outside.
/// Refusals name the path as the client gave it (bounded), never the resolved server path.
/// </summary>
public sealed class ServerPaths
{
    public const long MaxServerFileBytes = 256L * 1024 * 1024;
    private readonly string? _dataRoot;
    private readonly string _jobModels;
    private readonly IReadOnlyList<string> _modelRoots;

    public ServerPaths(ServerSettings settings)
    {
        _dataRoot = settings.DataRoot is null ? null : RealPath(settings.DataRoot) ?? throw new ArgumentException($"data-root '{settings.DataRoot}' does not exist");
        Directory.CreateDirectory(Path.Combine(settings.IndexDirectory, "models"));
        _jobModels = RealPath(Path.Combine(settings.IndexDirectory, "models"))!;
        _modelRoots = settings.ModelRoots.Select(r => RealPath(r) ?? throw new ArgumentException($"model root '{r}' does not exist"))
            .Append(_jobModels).ToList();
    }

    /// <summary>Where fine-tuning job <paramref name="jobId"/> writes its model.</summary>
    public string JobOutput(string jobId) => Path.Combine(_jobModels, jobId);

    /// <summary>The resolved path of a client-named training file; throws a <see cref="ServiceException"/> when not allowed.</summary>
    public string ServerFile(string requested)
    {
        if (_dataRoot is null)
            throw new ServiceException(StatusCode.PermissionDenied, "server_file is disabled on this server (it has no data root); send the pairs with the request");
        string? real = RealPath(Path.Combine(_dataRoot, requested));
        if (real is null || !Inside(real, _dataRoot))
            throw new ServiceException(StatusCode.InvalidArgument, $"server_file '{Shown(requested)}' is not a file in the server's data root");
        var info = new FileInfo(real);
        // Devices, FIFOs and sockets report size 0 (as do empty files): none of them is training data.
        if (!info.Exists || info.Length == 0)
            throw new ServiceException(StatusCode.InvalidArgument, $"server_file '{Shown(requested)}' is not a non-empty regular file");
        if (info.Length > MaxServerFileBytes)
            throw new ServiceException(StatusCode.InvalidArgument, $"server_file '{Shown(requested)}' is larger than {MaxServerFileBytes / (1024 * 1024)} MiB");
        return real;
    }

    /// <summary>The resolved folder of a client-named model; throws a <see cref="ServiceException"/> when not allowed.</summary>
    public string ModelFolder(string requested)
    {
        string? real = Path.IsPathRooted(requested) ? RealPath(requested) : _modelRoots.Select(r => RealPath(Path.Combine(r, requested))).FirstOrDefault(p => p is not null);
        if (real is null)
            throw new ServiceException(StatusCode.InvalidArgument, $"model_path '{Shown(requested)}' does not exist in the server's model roots");
        if (!_modelRoots.Any(r => Inside(real, r)))
            throw new ServiceException(StatusCode.PermissionDenied, $"model_path '{Shown(requested)}' is outside the server's model roots (--model-roots)");
        if (!Directory.Exists(real))
            throw new ServiceException(StatusCode.InvalidArgument, $"model_path '{Shown(requested)}' is not a folder");
        return real;
    }

    internal static string Shown(string path) => path.Length <= 120 ? path : path[..117] + "...";

    private static bool Inside(string path, string root) =>
        path.StartsWith(root.EndsWith('/') ? root : root + "/", StringComparison.Ordinal);

    /// <summary>The canonical absolute path with every symlink resolved, or null when it does not exist.</summary>
    private static string? RealPath(string path)
    {
        IntPtr resolved = realpath(Path.GetFullPath(path), IntPtr.Zero);
        if (resolved == IntPtr.Zero) return null;
        try { return Marshal.PtrToStringUTF8(resolved); }
        finally { free(resolved); }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern IntPtr realpath([MarshalAs(UnmanagedType.LPUTF8Str)] string path, IntPtr resolved);

    [DllImport("libc")]
    private static extern void free(IntPtr pointer);
}
