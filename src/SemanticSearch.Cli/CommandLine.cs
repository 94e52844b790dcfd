namespace SemanticSearch.Cli;

/// <summary>Dispatches `semsearch &lt;command&gt; …` to the command that implements it.</summary>
public static class CommandLine
{
    public static int Run(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Console.Out.WriteLine("usage: semsearch <command> [options]\n\ncommands:\n  encode   encode texts into sentence embeddings");
            return args.Length == 0 ? 2 : 0;
        }
        Console.Error.WriteLine($"semsearch: unknown command '{args[0]}' (try 'semsearch --help')");
        return 2;
    }
}
