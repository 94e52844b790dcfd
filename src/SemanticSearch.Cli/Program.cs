// Entry point of the `semsearch` command. Sub-commands live in Commands/, one file each.
return SemanticSearch.Cli.CommandLine.Run(args);
