using System.Diagnostics;
using SemanticSearch.Index;
using SemanticSearch.Index.Embedding;

// Refresh cost of the vector matrices: a full load (a new searcher reads every segment) vs moving to
// one 50-document commit (only the commit's new segment is loaded). Synthetic vectors;
// usage: dotnet bench/vector-refresh/bin/Release/net10.0/vector-refresh-bench.dll DOCS DIM
int docs = int.Parse(args[0]), dim = int.Parse(args[1]);
string root = Path.Combine(Path.GetTempPath(), "h6refresh-" + Environment.ProcessId);
var enc = new FakeEncoder(dim);
using var w = IndexWriter.Open(root, enc);
for (int b = 0; b < docs; b += 1000) w.Upsert(Enumerable.Range(b, Math.Min(1000, docs - b)).Select(i => new SourceDocument($"d{i}", $"text {i}")).ToList());
var me = Process.GetCurrentProcess();
double Cpu(Action a) { me.Refresh(); var c = me.TotalProcessorTime; a(); me.Refresh(); return (me.TotalProcessorTime - c).TotalMilliseconds; }
using var s = IndexSearcher.Open(root, enc);
for (int round = 0; round < 5; round++)
{
    double full = 0;
    using (var fresh = IndexSearcher.Open(root, enc)) full = Cpu(() => fresh.Refresh());
    w.Upsert(Enumerable.Range(round * 50, 50).Select(i => new SourceDocument($"d{i}", $"changed {round} {i}")).ToList());
    double incremental = Cpu(() => s.Refresh());
    Console.WriteLine($"{docs} docs x {dim}: full load {full:F1} ms CPU, apply a 50-document commit {incremental:F2} ms CPU (segments loaded: {s.PublishedVectors!.SegmentsLoaded} of {s.PublishedVectors.Segments})");
}
Directory.Delete(root, true);

sealed class FakeEncoder(int dim) : ITextEncoder
{
    public EncoderIdentity Identity { get; } = new("fake-" + dim, dim, 64, false);
    public int ClsId => 1; public int SepId => 2;
    public int[] TokenIds(string text) => text.Split(' ').Select(t => 10 + Math.Abs(t.GetHashCode() % 1000)).ToArray();
    public float[][] EncodeIds(IReadOnlyList<int[]> sequences, int batchSize) => sequences.Select(seq =>
    {
        var v = new float[dim]; var r = new Random(seq.Sum());
        for (int i = 0; i < dim; i++) v[i] = (float)r.NextDouble() - 0.5f;
        return v;
    }).ToArray();
}
