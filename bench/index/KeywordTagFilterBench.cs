#:project ../../src/SemanticSearch.Index/SemanticSearch.Index.csproj
// Keyword search with and without a tag filter on a keyword-only index of N passages (default 100k),
// 20 tags, each on 5% of the documents (issue #3: the filtered query once ran FTS5 MATCH per tagged row).
// Run from the repository root:
//   dotnet run -c Release bench/index/KeywordTagFilterBench.cs -- [--docs N] [--queries Q] [--work DIR] [--reuse]
// --reuse keeps the index of an earlier run in --work. Per-query times go to stderr as they are measured,
// so a pathological query is visible before it finishes; each row reports p50/max wall and CPU-ms/query.
using System.Diagnostics;
using SemanticSearch.Index;
using SemanticSearch.Index.Search;

int docs = IntArg("--docs", 100_000), queryCount = IntArg("--queries", 50);
string work = StrArg("--work", Path.Combine(Path.GetTempPath(), "semsearch-kwtag-bench"));
bool reuse = args.Contains("--reuse");
string data = FindData();
var rnd = new Random(7);
var sentences = File.ReadLines(Path.Combine(data, "banking77", "train.csv")).Skip(1).Select(FirstCsvField).Where(s => s.Length > 0).Distinct().ToList();
var queries = File.ReadLines(Path.Combine(data, "banking77", "test.csv")).Skip(1).Select(FirstCsvField).Where(s => s.Length > 0).Take(queryCount).ToList();
string Sentence() => sentences[rnd.Next(sentences.Count)];
Console.WriteLine($"# {docs:N0} passages (title + 3-6 BANKING77 sentences), 20 tags at 5% each; {queries.Count} BANKING77 test queries; load average {LoadAverage()} at start");

if (!reuse || !SemanticSearch.Index.Storage.IndexFiles.IsIndex(work))
{
    if (Directory.Exists(work)) Directory.Delete(work, true);
    using var w = IndexWriter.Open(work);
    var clock = Stopwatch.StartNew();
    for (int i = 0; i < docs; i += 5000)
    {
        w.Upsert(Enumerable.Range(i, Math.Min(5000, docs - i)).Select(d => new SourceDocument($"p{d}", Sentence(),
            string.Join(' ', Enumerable.Range(0, rnd.Next(3, 7)).Select(_ => Sentence())), [$"tag{d % 20}"])).ToList());
        Console.Error.Write($"\r  ingest: {Math.Min(docs, i + 5000):N0}/{docs:N0} docs, {Math.Min(docs, i + 5000) / clock.Elapsed.TotalSeconds:N0} docs/s   ");
    }
    Console.Error.WriteLine();
}

using var searcher = IndexSearcher.Open(work);
var proc = Process.GetCurrentProcess();
double CpuSeconds() { proc.Refresh(); return proc.TotalProcessorTime.TotalSeconds; }
void Latency(string name, Func<string, SearchRequest> make)
{
    searcher.Search(make(queries[0]));
    var ms = new List<double>();
    double cpu0 = CpuSeconds();
    foreach (var q in queries)
    {
        var c = Stopwatch.StartNew();
        searcher.Search(make(q));
        ms.Add(c.Elapsed.TotalMilliseconds);
        Console.Error.WriteLine($"  {name}: {ms[^1],9:F1} ms  {q}");
    }
    double cpuMs = (CpuSeconds() - cpu0) * 1000 / ms.Count;
    ms.Sort();
    Console.WriteLine($"| {name,-40} | p50 {ms[ms.Count / 2]:F2} ms, max {ms[^1]:F2} ms, {cpuMs:F2} CPU-ms/query ({ms.Count} queries) |");
    Console.Out.Flush();
}
Latency("keyword top-10", q => new SearchRequest(q) { Snippets = false });
Latency("keyword top-10, tag filter (5% of docs)", q => new SearchRequest(q) { Tags = ["tag3"], Snippets = false });
Latency("keyword top-10, two tags (no doc has both)", q => new SearchRequest(q) { Tags = ["tag3", "tag4"], Snippets = false });
Console.WriteLine($"# load average at end {LoadAverage()}");

int IntArg(string name, int d) { int i = Array.IndexOf(args, name); return i >= 0 ? int.Parse(args[i + 1]) : d; }
string StrArg(string name, string d) { int i = Array.IndexOf(args, name); return i >= 0 ? args[i + 1] : d; }
static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
// The text column: quoted lines (an embedded comma) end at the last quote; "" escapes are rare enough to keep.
static string FirstCsvField(string line) => line.StartsWith('"') && line.LastIndexOf('"') > 0 ? line[1..line.LastIndexOf('"')] : line.Split(',')[0];
static string FindData()
{
    for (var d = new DirectoryInfo(Directory.GetCurrentDirectory()); d is not null; d = d.Parent)
        if (Directory.Exists(Path.Combine(d.FullName, "shared", "data"))) return Path.Combine(d.FullName, "shared", "data");
    throw new DirectoryNotFoundException("../shared/data not found above the working directory");
}
