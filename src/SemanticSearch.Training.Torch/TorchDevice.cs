using TorchSharp;

namespace SemanticSearch.Training.Torch;

/// <summary>The device a run asks for: "cpu", "cuda" or "cuda:N". Parsing is pure; <see cref="Open"/> checks the runtime.</summary>
public sealed record TorchDevice(DeviceType Type, int Index)
{
    public static TorchDevice Parse(string text)
    {
        string t = (text ?? "").Trim().ToLowerInvariant();
        if (t == "cpu") return new(DeviceType.CPU, -1);
        if (t == "cuda") return new(DeviceType.CUDA, 0);
        if (t.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(t.AsSpan(5), out int n) && n >= 0) return new(DeviceType.CUDA, n);
        throw new ArgumentException($"device '{text}' is not cpu, cuda or cuda:N");
    }

    public bool IsCuda => Type == DeviceType.CUDA;

    public override string ToString() => IsCuda ? $"cuda:{Index}" : "cpu";

    /// <summary>The torch device, after checking that libtorch can run there; a missing CUDA runtime is a clear error.</summary>
    public torch.Device Open()
    {
        if (!IsCuda) return torch.CPU;
        bool available;
        try { available = torch.cuda.is_available(); }
        catch (Exception e) when (e is DllNotFoundException or NotSupportedException or InvalidOperationException or TypeInitializationException)
        {
            throw new TorchUnavailableException(CudaHelp($"libtorch could not be loaded: {e.Message}"), e);
        }
        if (!available) throw new TorchUnavailableException(CudaHelp("libtorch reports no usable CUDA device"));
        int count = torch.cuda.device_count();
        if (Index >= count) throw new TorchUnavailableException($"device {this}: only {count} CUDA device(s) are visible");
        return new torch.Device(DeviceType.CUDA, Index);
    }

    private string CudaHelp(string why) =>
        $"device {this}: {why}. This build carries {TorchRuntimeName}. CUDA needs an NVIDIA driver and GPU, and the CUDA build of " +
        "the torch backend: rebuild with -p:TorchRuntime=cuda (package TorchSharp-cuda-linux 0.107.0, libtorch 2.10 + CUDA 12.8). " +
        "Use --device cpu to run on this machine.";

    /// <summary>Which TorchSharp native package this build references.</summary>
    public static string TorchRuntimeName =>
        typeof(TorchDevice).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .OfType<System.Reflection.AssemblyMetadataAttribute>().FirstOrDefault(a => a.Key == "TorchRuntime")?.Value switch
        {
            "cuda" => "TorchSharp-cuda-linux (libtorch 2.10, CUDA)",
            _ => "TorchSharp-cpu (libtorch 2.10, CPU only)",
        };
}

/// <summary>The torch backend cannot run on the requested device; the message says what to install.</summary>
public sealed class TorchUnavailableException(string message, Exception? inner = null) : InvalidOperationException(message, inner);
