// Tests read stored records and doc values directly (hash layout, staged vectors).
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("SemanticSearch.Index.Tests")]
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("SemanticSearch.Cli.Tests")]
// The SQLite-format reader writes records the way the store does.
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("SemanticSearch.Migration")]
