namespace SemanticSearch.Cli.Commands;

/// <summary>One `semsearch` sub-command. Results go to stdout, progress and errors to stderr.</summary>
public interface ICliCommand
{
    string Name { get; }
    string Summary { get; }
    /// <summary>Full usage text printed by `--help` and after a usage error.</summary>
    string Usage { get; }
    /// <summary>Runs the command; returns the process exit code (see <see cref="ExitCodes"/>).</summary>
    int Run(CommandArgs args, TextWriter stdout, TextWriter stderr);
}
