using SemanticSearch.Model;

namespace SemanticSearch.Cli.Commands;

/// <summary>`semsearch model quantize`: an int8 copy of a model folder (Int8Quantizer), reached through `semsearch model`.</summary>
internal static class ModelQuantizeCommand
{
    public const string Usage = """
        usage: semsearch model quantize --model DIR --output DIR [--overwrite]

          --model DIR           float32 sentence-transformers model folder
          --output DIR          int8 model folder to create; loads wherever a model folder is taken (--model, serve, index)
          --overwrite           replace an existing output folder

        Linear weights become int8 per output channel (quantization_config.json, I8 tensors + per-channel scales);
        activations are quantized per token at run time; embeddings, LayerNorm, softmax and GELU stay float32.
        The int8 model has its own fingerprint, so an index built with the float model refuses it until activated.
        """;

    public static int Run(CommandArgs args, TextWriter stdout, TextWriter stderr)
    {
        string modelDir = args.RequiredString("model");
        string output = args.RequiredString("output");
        bool overwrite = args.Flag("overwrite");
        ModelInitCommand.EnsureOnlySubcommandLeft(args, "quantize");
        string full = Path.GetFullPath(output);
        if (File.Exists(full)) throw new CommandLineException($"--output {output} is a file, expected a folder");
        if (Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any() && !overwrite)
            throw new CommandLineException($"output folder {output} already exists and is not empty; pass --overwrite to replace it");
        string modelFull = Path.GetFullPath(modelDir).TrimEnd(Path.DirectorySeparatorChar);
        if (modelFull == full.TrimEnd(Path.DirectorySeparatorChar) || modelFull.StartsWith(full.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new CommandLineException($"--output {output} contains the input {modelDir}; choose another output folder");

        var fp32 = ModelLoading.Load(modelDir);
        var int8 = Int8Quantizer.Quantize(fp32);
        // Written beside the output and moved into place whole: a killed run leaves no folder that loads as a model.
        string partial = $"{full.TrimEnd(Path.DirectorySeparatorChar)}.partial-{Environment.ProcessId}";
        if (Directory.Exists(partial)) Directory.Delete(partial, recursive: true);
        int8.Save(partial);
        var reloaded = SentenceEncoder.Load(partial);
        if (reloaded.Fingerprint != int8.Fingerprint)
            throw new InvalidDataException($"{partial}: the saved int8 model reloads with fingerprint {reloaded.Fingerprint}, not {int8.Fingerprint}");
        if (Directory.Exists(full)) Directory.Delete(full, recursive: true);
        Directory.Move(partial, full);
        stdout.WriteLine($"wrote {output}: int8 Linear weights ({fp32.Transformer.Config.NumHiddenLayers} layers), fingerprint {int8.Fingerprint[..16]} " +
                         $"(float model {fp32.Fingerprint[..16]}); weights {SizeMb(modelDir):F1} MB -> {SizeMb(output):F1} MB");
        return ExitCodes.Ok;
    }

    private static double SizeMb(string folder) =>
        Directory.EnumerateFiles(folder, "*.safetensors", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length) / 1e6;
}
