using SemanticSearch.Training.Torch;

namespace SemanticSearch.Cli.Commands;

/// <summary>`--backend managed|torch` and `--device cpu|cuda[:N]` of the training commands (TrainingBackendChoice).</summary>
internal static class TrainingBackendOption
{
    public const string UsageLines = """
          --backend B            managed (default on cpu: our CPU engine) | torch (libtorch 2.10 through TorchSharp)
          --device D             cpu (default) | cuda | cuda:N  (cuda implies --backend torch; needs the CUDA build,
                                 dotnet build -p:TorchRuntime=cuda)
        """;

    public static TrainingBackendChoice Parse(CommandArgs args)
    {
        string? device = args.String("device"), backend = args.String("backend");
        TrainingBackendChoice choice;
        try { choice = TrainingBackendChoice.Parse(backend, device); }
        catch (ArgumentException e) { throw new CommandLineException($"--backend/--device: {e.Message}"); }
        // A CUDA device is checked now, so a machine without one is told what to install before any work starts.
        try { if (choice.Device.IsCuda) choice.Device.Open(); }
        catch (TorchUnavailableException e) { throw new CommandLineException(e.Message); }
        return choice;
    }
}
