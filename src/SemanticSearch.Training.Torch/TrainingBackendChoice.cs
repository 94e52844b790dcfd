using SemanticSearch.Model;
using SemanticSearch.Training.Encoder;
using SemanticSearch.Training.Loop;

namespace SemanticSearch.Training.Torch;

/// <summary>
/// Which backend a run asked for: "managed" (our CPU engine) or "torch" (libtorch through TorchSharp), and the
/// device: "cpu", "cuda", "cuda:N". CUDA implies torch; the managed engine runs on the CPU only. Empty texts mean the
/// defaults (managed on cpu; torch on cuda). Shared by `semsearch train` and the service's StartFineTune.
/// </summary>
public sealed record TrainingBackendChoice(bool Torch, TorchDevice Device)
{
    public static TrainingBackendChoice Parse(string? backend, string? device)
    {
        var parsed = TorchDevice.Parse(string.IsNullOrWhiteSpace(device) ? "cpu" : device);
        string name = string.IsNullOrWhiteSpace(backend) ? (parsed.IsCuda ? "torch" : "managed") : backend.Trim().ToLowerInvariant();
        if (name is not ("managed" or "torch")) throw new ArgumentException($"backend '{backend}' is not managed or torch");
        if (parsed.IsCuda && name == "managed") throw new ArgumentException($"device {parsed} needs the torch backend (the managed engine runs on the CPU)");
        return new TrainingBackendChoice(name == "torch", parsed);
    }

    /// <summary>What logs and job status show: "cpu" for the managed engine, else "torch:cpu" / "torch:cuda:N".</summary>
    public override string ToString() => Torch ? $"torch:{Device}" : "cpu";

    /// <summary>
    /// The backend for a loaded encoder. A device libtorch cannot use throws <see cref="TorchUnavailableException"/>
    /// (naming what to install) here, before the run writes anything.
    /// </summary>
    public ITrainingBackend Create(SentenceEncoder encoder, TrainingGraphOptions graph) =>
        Torch ? new TorchTrainingBackend(encoder, graph, Device) : new ManagedTrainingBackend(new BertFineTunableEncoder(encoder, graph));
}
