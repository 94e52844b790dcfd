// Tests read stored records and doc values directly (hash layout, staged vectors).
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("SemanticSearch.Index.Tests")]
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("SemanticSearch.Cli.Tests")]
