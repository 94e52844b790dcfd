namespace SemanticSearch.Cli.Commands;

/// <summary>`semsearch model init | import | pull | quantize`: the ways to get a sentence encoder folder.</summary>
public sealed class ModelCommand : ICliCommand
{
    private readonly ModelInitCommand _init = new();
    private readonly ModelImportCommand _import = new();
    private readonly ModelPullCommand _pull = new();

    public string Name => "model";
    public string Summary => "model init | import | pull | quantize: a random BERT, an imported ONNX export, a pretrained model by name, or an int8 copy of a model";
    public string Usage => string.Join("\n", _init.Usage, _import.Usage, _pull.Usage, ModelQuantizeCommand.Usage);

    public int Run(CommandArgs args, TextWriter stdout, TextWriter stderr) => args.Positional.FirstOrDefault() switch
    {
        "init" => _init.Run(args, stdout, stderr),
        "import" => _import.Run(args, stdout, stderr),
        "pull" => _pull.Run(args, stdout, stderr),
        "quantize" => ModelQuantizeCommand.Run(args, stdout, stderr),
        var other => throw new CommandLineException(other is null
            ? "expected a sub-command: semsearch model init | import | pull | quantize"
            : $"unknown sub-command 'model {other}' (expected init, import, pull or quantize)"),
    };
}
