#:project ../../src/SemanticSearch.Index/SemanticSearch.Index.csproj
// Ingest-rate and query-latency benchmark of the index at N synthetic documents (default 100k).
// Run from the repository root:  dotnet run -c Release bench/index/IndexBenchmark.cs -- [--docs N] [--queries Q] [--work DIR]
//
// Vectors come from SyntheticVectorEncoder (a dense bag-of-words: each word a fixed pseudo-random
// 384-d vector), so the scan cost is that of a MiniLM-sized index while encoding costs ~nothing:
// the vector and hybrid latencies are therefore search cost without query encoding.
using System.Diagnostics;
using SemanticSearch.Index;
using SemanticSearch.Index.Embedding;
using SemanticSearch.Index.Search;

int docs = IntArg("--docs", 100_000), queries = IntArg("--queries", 200), batch = IntArg("--batch-size", 5000);
string work = StrArg("--work", Path.Combine(Path.GetTempPath(), "semsearch-index-bench"));
if (Directory.Exists(work)) Directory.Delete(work, true);

var words = File.ReadLines(Path.Combine(FindData(), "bert-base-uncased", "vocab.txt"))
    .Where(w => w.Length > 2 && w.All(char.IsAsciiLetterLower)).Skip(500).Take(20_000).ToArray();
var rnd = new Random(7);
// Zipf-like word frequencies, as in natural text: a few common words, a long tail.
double[] cdf = new double[words.Length];
double acc = 0;
for (int i = 0; i < words.Length; i++) { acc += 1.0 / (i + 10); cdf[i] = acc; }
string Word() { int i = Array.BinarySearch(cdf, rnd.NextDouble() * acc); return words[i < 0 ? ~i : i]; }
string Words(int n) => string.Join(' ', Enumerable.Range(0, n).Select(_ => Word()));
var corpus = Enumerable.Range(0, docs).Select(i => new SourceDocument($"doc{i}", Words(4), Words(30), new[] { $"tag{i % 20}" })).ToList();
var queryTexts = Enumerable.Range(0, queries).Select(_ => Words(rnd.Next(2, 6))).ToList();
Console.WriteLine($"{docs} docs (title 4 words, text 30 words, Zipf over {words.Length} words), {queries} queries, batch {batch}, {Environment.ProcessorCount} cores, load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");

var rows = new List<(string What, string Value)>();
double Ingest(string dir, ITextEncoder? encoder)
{
    var clock = Stopwatch.StartNew();
    using var w = IndexWriter.Open(dir, encoder);
    for (int i = 0; i < corpus.Count; i += batch) w.Upsert(corpus.GetRange(i, Math.Min(batch, corpus.Count - i)));
    double ingest = clock.Elapsed.TotalSeconds;
    var opt = Stopwatch.StartNew();
    w.Optimize();
    rows.Add(($"  optimize (FTS5 merge) {(encoder is null ? "keyword" : "vector")} index", $"{opt.Elapsed.TotalSeconds:F1} s"));
    return ingest;
}
double kwSecs = Ingest(Path.Combine(work, "keyword"), null);
rows.Insert(0, ("ingest keyword-only", $"{docs / kwSecs:F0} docs/s ({kwSecs:F1} s)"));
var encoder = new SyntheticVectorEncoder(384);
double vecSecs = Ingest(Path.Combine(work, "hybrid"), encoder);
rows.Add(("ingest with 384-d vectors", $"{docs / vecSecs:F0} docs/s ({vecSecs:F1} s)"));

using var searcher = IndexSearcher.Open(Path.Combine(work, "hybrid"), encoder);
var loadClock = Stopwatch.StartNew();
searcher.Search(new SearchRequest(queryTexts[0]) { Mode = SearchMode.Vector }); // loads the matrix
rows.Add(("load vector matrix (first vector query)", $"{loadClock.Elapsed.TotalMilliseconds:F0} ms"));
void Latency(string name, Func<string, SearchRequest> make)
{
    foreach (var q in queryTexts.Take(10)) searcher.Search(make(q)); // warm-up
    var ms = queryTexts.Select(q => { var c = Stopwatch.StartNew(); searcher.Search(make(q)); return c.Elapsed.TotalMilliseconds; }).Order().ToList();
    rows.Add((name, $"p50 {ms[ms.Count / 2]:F2} ms, p95 {ms[(int)(ms.Count * 0.95)]:F2} ms"));
}
Latency("keyword top-10", q => new SearchRequest(q) { Snippets = false });
Latency("keyword top-10 + snippets", q => new SearchRequest(q));
Latency("vector top-10 (exact scan)", q => new SearchRequest(q) { Mode = SearchMode.Vector, Snippets = false });
Latency("hybrid rrf top-10 (100 per leg)", q => new SearchRequest(q) { Mode = SearchMode.Hybrid, Snippets = false });
Latency("hybrid linear top-10", q => new SearchRequest(q) { Mode = SearchMode.Hybrid, Fusion = FusionMethod.Linear, Snippets = false });
Latency("hybrid rrf top-10, tag filter (5%)", q => new SearchRequest(q) { Mode = SearchMode.Hybrid, Tags = new[] { "tag3" }, Snippets = false });

int width = rows.Max(r => r.What.Length);
Console.WriteLine($"{"measure".PadRight(width)}  result");
foreach (var (what, value) in rows) Console.WriteLine($"{what.PadRight(width)}  {value}");

int IntArg(string name, int d) { int i = Array.IndexOf(args, name); return i >= 0 ? int.Parse(args[i + 1]) : d; }
string StrArg(string name, string d) { int i = Array.IndexOf(args, name); return i >= 0 ? args[i + 1] : d; }
static string FindData()
{
    for (var d = new DirectoryInfo(Directory.GetCurrentDirectory()); d is not null; d = d.Parent)
        if (Directory.Exists(Path.Combine(d.FullName, "shared", "data"))) return Path.Combine(d.FullName, "shared", "data");
    return "/work/shared/data";
}

/// <summary>Dense bag-of-words vectors: each token id owns a fixed pseudo-random vector; a text is their sum.</summary>
sealed class SyntheticVectorEncoder(int dimension) : ITextEncoder
{
    public EncoderIdentity Identity { get; } = new($"synthetic-bow-{dimension}", dimension, 128, false);
    public int ClsId => 1;
    public int SepId => 2;
    public int[] TokenIds(string text) => Fts5QueryBuilder.Terms(text).Select(t => 10 + (int)(Fnv(t) % 1_000_000)).ToArray();
    private static uint Fnv(string s) { uint h = 2166136261; foreach (char c in s) { h ^= c; h *= 16777619; } return h; }
    public float[][] EncodeIds(IReadOnlyList<int[]> sequences, int batchSize) => sequences.Select(seq =>
    {
        var v = new float[dimension];
        foreach (int id in seq[1..^1])
        {
            ulong s = (ulong)id * 0x9E3779B97F4A7C15UL + 1;
            for (int j = 0; j < dimension; j++) { s ^= s << 13; s ^= s >> 7; s ^= s << 17; v[j] += (s >> 40) / (float)(1 << 24) - 0.5f; }
        }
        return v;
    }).ToArray();
}
