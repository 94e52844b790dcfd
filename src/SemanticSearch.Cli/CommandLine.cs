using SemanticSearch.Cli.Commands;

namespace SemanticSearch.Cli;

/// <summary>Dispatches `semsearch &lt;command&gt; …` to the command that implements it.</summary>
public static class CommandLine
{
    /// <summary>Every sub-command, in the order `semsearch --help` lists them. One line per command.</summary>
    public static readonly IReadOnlyList<ICliCommand> Commands = new ICliCommand[]
    {
        new EncodeCommand(),
        new ServeCommand(),
        new RemoteSearchCommand(),
        new IndexCommand(),
        new SearchCommand(),
        new DeleteCommand(),
        new StatsCommand(),
        new MigrateCommand(),
        new RetagCommand(),
        new ActivateCommand(),
        new EvalCommand(),
        new ClassifierTrainCommand(),
        new ClassifyCommand(),
        new ModelCommand(),
        new TrainCommand(),
        new PretrainCommand(),
    };

    public static int Run(string[] args) => Run(args, Console.Out, Console.Error);

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            stdout.WriteLine("usage: semsearch <command> [options]\n\ncommands:");
            foreach (var c in Commands) stdout.WriteLine($"  {c.Name,-12} {c.Summary}");
            stdout.WriteLine("\n'semsearch <command> --help' describes a command's options.");
            return args.Length == 0 ? ExitCodes.Usage : ExitCodes.Ok;
        }
        var command = Commands.FirstOrDefault(c => c.Name == args[0]);
        if (command is null)
        {
            stderr.WriteLine($"semsearch: unknown command '{args[0]}' (try 'semsearch --help')");
            return ExitCodes.Usage;
        }
        var rest = args[1..];
        if (rest.Contains("--help") || rest.Contains("-h"))
        {
            stdout.WriteLine(command.Usage);
            return ExitCodes.Ok;
        }
        try
        {
            return command.Run(CommandArgs.Parse(rest), stdout, stderr);
        }
        catch (CommandLineException e)
        {
            stderr.WriteLine($"semsearch {command.Name}: {e.Message}");
            stderr.WriteLine(command.Usage);
            return ExitCodes.Usage;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or FormatException or ArgumentException or InvalidOperationException)
        {
            // Expected failures (bad files, bad data) get one clear line, not a stack trace.
            stderr.WriteLine($"semsearch {command.Name}: error: {e.Message}");
            return ExitCodes.Failure;
        }
    }
}

/// <summary>Process exit codes shared by every command.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Failure = 1;
    public const int Usage = 2;
}
