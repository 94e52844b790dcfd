using System.Diagnostics;
using SemanticSearch.Index;
using SemanticSearch.Index.Embedding;
using SemanticSearch.Index.Evaluation;
using SemanticSearch.Index.Search;

namespace SemanticSearch.Cli.Commands;

/// <summary>`semsearch search`: one query as a table, or a query file as a TREC run.</summary>
public sealed class SearchCommand : ICliCommand
{
    public string Name => "search";
    public string Summary => "keyword, vector or hybrid search; a table, or a TREC run for a query file";
    public string Usage => """
        usage: semsearch search --index DIR (--query TEXT | --like ID | --queries FILE.jsonl --run FILE) [options]
               semsearch search --server URL [--api-key K] [--timeout S] …   (a running `semsearch serve`)

          --mode M        keyword | vector | hybrid (default: hybrid when the index has vectors, else keyword)
          --top K         hits to return, 1..10000 (default 10; 100 with --queries)
          --offset N      skip the first N hits (paging)
          --tag T         only documents carrying T (repeatable: all tags must match); applied before top-k
          --predicted-tag T   only documents a classifier head tagged T at ingest or retag (repeatable: all
                          must match); applied before top-k, like --tag
          --min-confidence C  with --predicted-tag: the head's probability must be at least C (0..1, default 0)
          --fusion F      hybrid: rrf (default) | linear
          --rrf-k K       RRF constant (default 60)
          --keyword-weight W, --vector-weight W   RRF per-leg weights (default 1)
          --alpha A       linear fusion: A·vector + (1−A)·keyword on min-max normalized scores (default 0.5)
          --syntax S      plain (default: the text is analyzed into terms, any input is safe) | lucene (Lucene query
                          syntax: "phrases", AND/OR/NOT, +must -not, title:…, wildcards*, fuzzy~; a syntax error
                          names its column); --advanced is --syntax lucene
          --like ID       "more like this": nearest documents to the stored vectors of document ID
          --model DIR     model to use instead of the one recorded in the index (must be the same model)
          --queries FILE  batch mode: JSONL lines {"_id","text"}; writes --run FILE (qid Q0 docid rank score semsearch)
        """;

    public int Run(CommandArgs args, TextWriter stdout, TextWriter stderr)
    {
        // --server URL: the same query answered by a running `semsearch serve` (RemoteSearchCommand).
        if (args.Has("server")) return RemoteSearchCommand.RunRemote(args, stdout, stderr);
        string indexDir = IndexLocation.Resolve(args.RequiredString("index"));
        string? query = args.String("query");
        string? like = args.String("like");
        string? queriesPath = args.String("queries");
        string? runPath = args.String("run");
        var mode = args.Choice("mode", "auto", "auto", "keyword", "vector", "hybrid") switch
        {
            "vector" => SearchMode.Vector,
            "hybrid" => SearchMode.Hybrid,
            "keyword" => SearchMode.Keyword,
            _ => DefaultMode(indexDir), // as the server answers an unset mode
        };
        int top = args.Int("top", queriesPath is null ? 10 : 100, 1, SearchRequest.MaxTop);
        int offset = args.Int("offset", 0, 0, SearchRequest.MaxOffset);
        var template = new SearchRequest("")
        {
            Mode = mode, Top = top, Offset = offset, Tags = args.Strings("tag"),
            PredictedTags = args.Strings("predicted-tag"),
            MinPredictedConfidence = args.Double("min-confidence", 0, 0, 1),
            Fusion = args.Choice("fusion", "rrf", "rrf", "linear") == "linear" ? FusionMethod.Linear : FusionMethod.ReciprocalRank,
            RrfK = args.Double("rrf-k", 60, 1e-9, 1e9),
            KeywordWeight = args.Double("keyword-weight", 1, 0, 1e6),
            VectorWeight = args.Double("vector-weight", 1, 0, 1e6),
            Alpha = args.Double("alpha", 0.5, 0, 1),
            AdvancedSyntax = ParseSyntax(args),
        };
        string? modelOverride = args.String("model") is { } m ? ModelLocation.Resolve(m) : null;
        args.EnsureAllUsed();

        int sources = (query is null ? 0 : 1) + (like is null ? 0 : 1) + (queriesPath is null ? 0 : 1);
        if (sources != 1) throw new CommandLineException("give exactly one of --query, --like or --queries");
        if (query is not null && string.IsNullOrWhiteSpace(query)) throw new CommandLineException("--query must not be empty");
        if ((queriesPath is null) != (runPath is null)) throw new CommandLineException("--queries and --run go together");
        if (args.Has("min-confidence") && template.PredictedTags.Count == 0) throw new CommandLineException("--min-confidence needs --predicted-tag");
        if (like is not null && template.PredictedTags.Count > 0) throw new CommandLineException("--predicted-tag does not apply to --like");

        bool needsModel = mode != SearchMode.Keyword || like is not null;
        using var searcher = OpenSearcher(indexDir, needsModel, modelOverride);
        if (like is not null)
        {
            SearchResultTable.Write(stdout, searcher.MoreLikeThis(like, top, offset, template.Tags));
            return ExitCodes.Ok;
        }
        if (query is not null)
        {
            var clock = Stopwatch.StartNew();
            var results = searcher.Search(template with { Query = query });
            SearchResultTable.Write(stdout, results);
            stderr.WriteLine($"{results.Hits.Count} hits in {clock.Elapsed.TotalMilliseconds:F1} ms");
            return ExitCodes.Ok;
        }
        return QueryRunWriter.Write(queriesPath!, runPath!,
            text => searcher.Search(template with { Query = text, Snippets = false }).Hits.Select(h => (h.Id, h.Score)),
            "including query encoding", stdout, stderr);
    }

    /// <summary>No --mode: hybrid when the index has vectors, keyword for a keyword-only index.</summary>
    private static SearchMode DefaultMode(string indexDir)
    {
        using var probe = IndexSearcher.Open(indexDir);
        return probe.Model is null ? SearchMode.Keyword : SearchMode.Hybrid;
    }

    /// <summary>Vector modes load the index's recorded model (or --model); keyword mode never loads one.</summary>
    private static IndexSearcher OpenSearcher(string indexDir, bool needsModel, string? modelOverride)
    {
        if (!needsModel) return IndexSearcher.Open(indexDir);
        using (var probe = IndexSearcher.Open(indexDir))
        {
            if (probe.Model is null) throw new InvalidOperationException($"index '{indexDir}' is keyword-only (built without --model); use --mode keyword");
            string? modelDir = modelOverride ?? probe.Model.ModelPath;
            if (modelDir is null) throw new CommandLineException("the index does not record its model's path; pass --model DIR");
            if (!Directory.Exists(modelDir))
                throw new DirectoryNotFoundException($"model directory '{modelDir}' recorded in the index does not exist; pass --model DIR");
            return IndexSearcher.Open(indexDir, SentenceEncoderAdapter.Load(modelDir));
        }
    }

    /// <summary>--syntax plain|lucene (and the older --advanced flag, the same as lucene).</summary>
    internal static bool ParseSyntax(CommandArgs args)
    {
        bool advanced = args.Flag("advanced");
        string syntax = args.Choice("syntax", advanced ? "lucene" : "plain", "plain", "lucene");
        if (advanced && syntax != "lucene") throw new CommandLineException("--advanced means --syntax lucene; give one of them");
        return syntax == "lucene";
    }
}
