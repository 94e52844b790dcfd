#:project ../../src/SemanticSearch.Index/SemanticSearch.Index.csproj
// Ingest rate, query latency, vector memory and scan throughput of the index at N documents (default 100k).
// Run from the repository root:
//   dotnet run -c Release bench/index/IndexBenchmark.cs -- [--docs N] [--queries Q] [--row-seconds S] [--batch-size B] [--model-docs M] [--work DIR]
// A latency row stops after Q queries or S seconds (default 30), whichever comes first (at least 3 queries).
// --reuse keeps the indexes of an earlier run in --work and measures only the search rows.
// Each table row is printed on stdout as soon as it is measured; progress goes to stderr.
//
// Corpus: sentences from ../shared/data (BANKING77, Bitext customer service, STS-B, MRPC) recombined:
//   short    one sentence per document (BANKING77-like), 20 tags
//   passage  a sentence as title + 3-6 sentences as text (~70 words)
// Queries: BANKING77 test utterances (real user questions).
// Vectors: SyntheticVectorEncoder (a dense bag of words, each word a fixed pseudo-random 384-d vector),
// so the index has MiniLM-sized vectors while encoding costs ~nothing: vector and hybrid latencies are
// search cost without query encoding. The embedding share of ingest is shown with the tiny random
// BERT of tests/fixtures (2 layers, 32-d) on --model-docs passages.
// CPU seconds are the process's user+sys time of the phase: on a loaded machine they, not the wall
// time, show what a phase costs.
using System.Diagnostics;
using System.Numerics.Tensors;
using SemanticSearch.Index;
using SemanticSearch.Index.Embedding;
using SemanticSearch.Index.Search;

int docs = IntArg("--docs", 100_000), queryCount = IntArg("--queries", 300), rowSeconds = IntArg("--row-seconds", 30), batch = IntArg("--batch-size", 1000), modelDocs = IntArg("--model-docs", 3000);
string work = StrArg("--work", Path.Combine(Path.GetTempPath(), "semsearch-index-bench"));
bool reuse = args.Contains("--reuse");
if (Directory.Exists(work) && !reuse) Directory.Delete(work, true);
string data = FindData();

var sentences = SentencePool.Load(data);
var queries = SentencePool.Banking77Column(Path.Combine(data, "banking77", "test.csv")).Take(queryCount).ToList();
var rnd = new Random(7);
string Sentence() => sentences[rnd.Next(sentences.Count)];
var shortDocs = Enumerable.Range(0, docs).Select(i => new SourceDocument($"s{i}", "", Sentence(), [$"tag{i % 20}"])).ToList();
var passages = Enumerable.Range(0, docs).Select(i => new SourceDocument($"p{i}", Sentence(),
    string.Join(' ', Enumerable.Range(0, rnd.Next(3, 7)).Select(_ => Sentence())), [$"tag{i % 20}"])).ToList();
double words = passages.Average(p => (p.Title + " " + p.Text).Split(' ').Length);

Console.WriteLine($"# {docs:N0} docs per corpus from {sentences.Count:N0} sentences; passages average {words:F0} words; {queries.Count} BANKING77 test queries; batch {batch}");
Console.WriteLine($"# {Environment.ProcessorCount} cores, load average {LoadAverage()} at start, .NET {Environment.Version}");
Console.WriteLine($"| {"measure",-52} | result |");
Console.WriteLine($"| {new string('-', 52)} | --- |");
void Row(string what, string value) { Console.WriteLine($"| {what,-52} | {value} |"); Console.Out.Flush(); }

var proc = Process.GetCurrentProcess();
double CpuSeconds() { proc.Refresh(); return proc.TotalProcessorTime.TotalSeconds; }

(double Wall, double Cpu) Ingest(string name, string dir, List<SourceDocument> corpus, ITextEncoder? encoder, int count)
{
    using var w = IndexWriter.Open(dir, encoder);
    var clock = Stopwatch.StartNew();
    double cpu0 = CpuSeconds();
    for (int i = 0; i < count; i += batch)
    {
        w.Upsert(corpus.GetRange(i, Math.Min(batch, count - i)));
        int done = Math.Min(count, i + batch);
        double rate = done / clock.Elapsed.TotalSeconds;
        Console.Error.Write($"\r  ingest {name}: {done:N0}/{count:N0} docs, {rate:N0} docs/s, ETA {(count - done) / rate:F0} s   ");
    }
    Console.Error.WriteLine();
    double wall = clock.Elapsed.TotalSeconds, cpu = CpuSeconds() - cpu0;
    Row($"ingest {name}", $"{count / wall:N0} docs/s wall ({wall:F1} s), {count / cpu:N0} docs per CPU-s ({cpu:F1} CPU-s)");
    return (wall, cpu);
}

var encoder = new SyntheticVectorEncoder(384);
string hybridDir = Path.Combine(work, "hybrid");
if (!reuse) IngestAll();
void IngestAll()
{
    Ingest("keyword-only, short docs", Path.Combine(work, "short"), shortDocs, null, docs);
    Ingest("keyword-only, passages", Path.Combine(work, "keyword"), passages, null, docs);
    Ingest("passages + 384-d vectors (synthetic encoder)", hybridDir, passages, encoder, docs);
    Row("  index file size per document", $"{new DirectoryInfo(hybridDir).EnumerateFiles().Sum(f => f.Length) / (double)docs:N0} bytes");

    // The embedding share with a real (tiny, random) transformer: encoder time against the whole ingest.
    string tinyModel = Path.Combine(FindRepo(), "tests", "fixtures", "reference", "models", "mini-mean-f32");
    var timed = new TimedEncoder(SentenceEncoderAdapter.Load(tinyModel), CpuSeconds);
    int m = Math.Min(modelDocs, docs);
    var (tinyWall, tinyCpu) = Ingest($"{m:N0} passages + tiny random BERT (2x32-d)", Path.Combine(work, "tiny"), passages, timed, m);
    Row("  of which encoding (tokenize + transformer)", $"{timed.WallSeconds / tinyWall:P0} of wall, {timed.CpuSeconds / tinyCpu:P0} of CPU, {timed.Sequences:N0} windows");
}

var open = Stopwatch.StartNew();
double openCpu0 = CpuSeconds();
using (var serving = IndexSearcher.Open(hybridDir, encoder)) serving.Refresh(); // what `serve` does at start-up: reader + vector matrices
Row("open a 100k-passage index for serving", $"{open.Elapsed.TotalSeconds:F2} s wall, {CpuSeconds() - openCpu0:F2} CPU-s (reader and per-segment vector matrices)");
using var searcher = IndexSearcher.Open(hybridDir, encoder);
long windows = searcher.Stats().Windows;
GC.Collect(); GC.WaitForPendingFinalizers(); GC.Collect();
long heap0 = GC.GetTotalMemory(true), rss0 = Environment.WorkingSet;
var load = Stopwatch.StartNew();
searcher.Search(new SearchRequest(queries[0]) { Mode = SearchMode.Vector, Snippets = false }); // loads the matrix
Row("load vector matrix (first vector query)", $"{load.Elapsed.TotalMilliseconds:N0} ms for {windows:N0} windows");
long heap = GC.GetTotalMemory(true) - heap0, rss = Environment.WorkingSet - rss0;
Row("memory per 100k 384-d vectors", $"{heap * 100_000.0 / windows / 1e6:F1} MB managed heap, {rss * 100_000.0 / windows / 1e6:F1} MB resident (raw float32: {100_000 * 384 * 4 / 1e6:F1} MB)");

var results = new Dictionary<string, double>();
var cpuPerQuery = new Dictionary<string, double>();
void Latency(string name, Func<string, SearchRequest> make, IndexSearcher? on = null)
{
    var target = on ?? searcher;
    foreach (var q in queries.Take(2)) target.Search(make(q)); // warm-up
    var ms = new List<double>(queries.Count);
    double cpu0 = CpuSeconds();
    var budget = Stopwatch.StartNew();
    for (int i = 0; i < queries.Count && (i < 3 || budget.Elapsed.TotalSeconds < rowSeconds); i++)
    {
        var c = Stopwatch.StartNew();
        target.Search(make(queries[i]));
        ms.Add(c.Elapsed.TotalMilliseconds);
        if (i % 10 == 0) Console.Error.Write($"\r  {name}: {i}/{queries.Count}   ");
    }
    Console.Error.Write("\r" + new string(' ', 70) + "\r");
    double cpuMs = (CpuSeconds() - cpu0) * 1000 / ms.Count;
    ms.Sort();
    results[name] = ms[ms.Count / 2];
    cpuPerQuery[name] = cpuMs;
    Row(name, $"p50 {ms[ms.Count / 2]:F2} ms, p99 {ms[Math.Min(ms.Count - 1, (int)(ms.Count * 0.99))]:F2} ms, {cpuMs:F2} CPU-ms/query ({ms.Count} queries)");
}
Latency("keyword top-10", q => new SearchRequest(q) { Snippets = false });
Latency("keyword top-10 + snippets", q => new SearchRequest(q));
Latency("vector top-10 (exact scan)", q => new SearchRequest(q) { Mode = SearchMode.Vector, Snippets = false });
Latency("hybrid rrf top-10 (100 per leg)", q => new SearchRequest(q) { Mode = SearchMode.Hybrid, Snippets = false });
Latency("hybrid linear top-10", q => new SearchRequest(q) { Mode = SearchMode.Hybrid, Fusion = FusionMethod.Linear, Snippets = false });

// Exact search reads every vector once per query: 2·n·d flops over 4·n·d bytes, so it is bound by
// memory bandwidth. Compare its rate with a plain streaming read of a similar-sized array.
double vecSec = results["vector top-10 (exact scan)"] / 1000;
double bytes = windows * 384.0 * 4;
var (sum1, sumN, copyN, sumPerCpu) = Bandwidth.Measure((long)Math.Max(bytes, 256e6), CpuSeconds);
double vecCpuSec = cpuPerQuery["vector top-10 (exact scan)"] / 1000;
Row("exact vector scan at p50", $"{2 * windows * 384 / vecSec / 1e9:F2} GFLOP/s, {bytes / vecSec / 1e9:F2} GB/s of vectors read");
Row("exact vector scan per CPU-second", $"{2 * windows * 384 / vecCpuSec / 1e9:F2} GFLOP, {bytes / vecCpuSec / 1e9:F2} GB of vectors read");
Row("memory bandwidth, same run (sum 1 thread / all / copy)", $"{sum1:F2} / {sumN:F2} / {copyN:F2} GB/s wall; sum {sumPerCpu:F2} GB per CPU-s");
// Tag filters inside each leg (before top-k): per-segment bit sets, a Lucene Filter in the keyword leg.
Latency("keyword top-10, tag filter (5% of docs)", q => new SearchRequest(q) { Tags = ["tag3"], Snippets = false });
Latency("vector top-10, tag filter (5% of docs)", q => new SearchRequest(q) { Mode = SearchMode.Vector, Tags = ["tag3"], Snippets = false });
Latency("hybrid rrf top-10, tag filter (5% of docs)", q => new SearchRequest(q) { Mode = SearchMode.Hybrid, Tags = ["tag3"], Snippets = false });
Row("load average at end", LoadAverage());

int IntArg(string name, int d) { int i = Array.IndexOf(args, name); return i >= 0 ? int.Parse(args[i + 1]) : d; }
string StrArg(string name, string d) { int i = Array.IndexOf(args, name); return i >= 0 ? args[i + 1] : d; }
static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
static string FindRepo()
{
    for (var d = new DirectoryInfo(Directory.GetCurrentDirectory()); d is not null; d = d.Parent)
        if (File.Exists(Path.Combine(d.FullName, "ARCHITECTURE.md"))) return d.FullName;
    throw new DirectoryNotFoundException("run from inside the repository");
}
static string FindData()
{
    for (var d = new DirectoryInfo(Directory.GetCurrentDirectory()); d is not null; d = d.Parent)
        if (Directory.Exists(Path.Combine(d.FullName, "shared", "data"))) return Path.Combine(d.FullName, "shared", "data");
    throw new DirectoryNotFoundException("../shared/data not found above the working directory");
}

/// <summary>Sentences of the shared data sets, deduplicated: the material the synthetic documents are made of.</summary>
static class SentencePool
{
    public static List<string> Load(string data)
    {
        var all = new List<string>();
        all.AddRange(Banking77Column(Path.Combine(data, "banking77", "train.csv")));
        all.AddRange(CsvColumn(Path.Combine(data, "bitext-customer-service", "customer-service.csv"), 1));
        foreach (var f in new[] { "sts-train.csv", "sts-dev.csv", "sts-test.csv" })
            foreach (var line in File.ReadLines(Path.Combine(data, "stsbenchmark", f)))
                if (line.Split('\t') is { Length: >= 7 } c) { all.Add(c[5]); all.Add(c[6]); }
        foreach (var f in new[] { "msr_paraphrase_train.txt", "msr_paraphrase_test.txt" })
            foreach (var line in File.ReadLines(Path.Combine(data, "mrpc", f)).Skip(1))
                if (line.Split('\t') is { Length: >= 5 } c) { all.Add(c[3]); all.Add(c[4]); }
        return all.Select(s => s.Trim()).Where(s => s.Length > 0).Distinct().ToList();
    }

    public static IEnumerable<string> Banking77Column(string path) => CsvColumn(path, 0);

    /// <summary>One column of a simple CSV (quoted fields with "" escapes, one record per line).</summary>
    static IEnumerable<string> CsvColumn(string path, int column)
    {
        foreach (var line in File.ReadLines(path).Skip(1))
        {
            var fields = new List<string>();
            var field = new System.Text.StringBuilder();
            bool quoted = false;
            for (int i = 0; i < line.Length; i++)
            {
                char c = line[i];
                if (quoted) { if (c == '"' && i + 1 < line.Length && line[i + 1] == '"') { field.Append('"'); i++; } else if (c == '"') quoted = false; else field.Append(c); }
                else if (c == '"') quoted = true;
                else if (c == ',') { fields.Add(field.ToString()); field.Clear(); }
                else field.Append(c);
            }
            fields.Add(field.ToString());
            if (!quoted && fields.Count > column) yield return fields[column];
        }
    }
}

/// <summary>Streaming read (sum) and copy rates of a large array, single- and multi-threaded.</summary>
static class Bandwidth
{
    public static (double Sum1, double SumAll, double CopyAll, double SumPerCpu) Measure(long bytes, Func<double> cpuSeconds)
    {
        var a = new float[bytes / 4];
        var b = new float[a.Length];
        a.AsSpan().Fill(1f);
        double bestCpu = 0;
        double Best(Action run)
        {
            double best = double.MaxValue;
            for (int r = 0; r < 5; r++)
            {
                double cpu0 = cpuSeconds();
                var c = Stopwatch.StartNew();
                run();
                if (c.Elapsed.TotalSeconds < best) { best = c.Elapsed.TotalSeconds; bestCpu = cpuSeconds() - cpu0; }
            }
            return best;
        }
        int parts = Environment.ProcessorCount;
        int chunk = (a.Length + parts - 1) / parts;
        float sink = 0;
        double sum1 = Best(() => sink += TensorPrimitives.Sum<float>(a));
        double sum1Cpu = bestCpu;
        double sumN = Best(() => Parallel.For(0, parts, p => { int s = p * chunk; float x = TensorPrimitives.Sum<float>(a.AsSpan(s, Math.Min(chunk, a.Length - s))); lock (b) sink += x; }));
        double copy = Best(() => Parallel.For(0, parts, p => { int s = p * chunk; int n = Math.Min(chunk, a.Length - s); a.AsSpan(s, n).CopyTo(b.AsSpan(s, n)); }));
        GC.KeepAlive(sink);
        return (bytes / sum1 / 1e9, bytes / sumN / 1e9, 2.0 * bytes / copy / 1e9, bytes / sum1Cpu / 1e9); // copy reads and writes each byte
    }
}

/// <summary>Measures the time an encoder spends (tokenizing and encoding) inside an ingest.</summary>
sealed class TimedEncoder(ITextEncoder inner, Func<double> cpuSeconds) : ITextEncoder
{
    public double WallSeconds { get; private set; }
    public double CpuSeconds { get; private set; }
    public long Sequences { get; private set; }
    public EncoderIdentity Identity => inner.Identity;
    public int ClsId => inner.ClsId;
    public int SepId => inner.SepId;
    public int[] TokenIds(string text) => Timed(() => inner.TokenIds(text));
    public float[][] EncodeIds(IReadOnlyList<int[]> sequences, int batchSize) { Sequences += sequences.Count; return Timed(() => inner.EncodeIds(sequences, batchSize)); }
    private T Timed<T>(Func<T> f)
    {
        double cpu0 = cpuSeconds();
        var c = Stopwatch.StartNew();
        var r = f();
        WallSeconds += c.Elapsed.TotalSeconds;
        CpuSeconds += cpuSeconds() - cpu0;
        return r;
    }
}

/// <summary>Dense bag-of-words vectors: each token id owns a fixed pseudo-random vector; a text is their sum.</summary>
sealed class SyntheticVectorEncoder(int dimension) : ITextEncoder
{
    public EncoderIdentity Identity { get; } = new($"synthetic-bow-{dimension}", dimension, 128, false);
    public int ClsId => 1;
    public int SepId => 2;
    public int[] TokenIds(string text) => System.Text.RegularExpressions.Regex.Matches(text, @"[\p{L}\p{Nd}]+").Select(m => m.Value).Select(t => 10 + (int)(Fnv(t.ToLowerInvariant()) % 1_000_000)).ToArray();
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
