using System.Text.Json;
using SemanticSearch.Index.Storage;

namespace SemanticSearch.Cli.Tests;

/// <summary>Runs `semsearch` commands in-process and owns a scratch directory for one test.</summary>
public sealed class IndexCliHarness : IDisposable
{
    public string Dir { get; } = Path.Combine(Path.GetTempPath(), "ss-cli-idx-" + Guid.NewGuid().ToString("N")[..12]);

    public IndexCliHarness() => Directory.CreateDirectory(Dir);

    public string PathOf(string name) => Path.Combine(Dir, name);

    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CommandLine.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>
    /// Starts `dotnet semsearch.dll args…` as a child process (to be killed by durability tests), its
    /// output drained so a full pipe never blocks it.
    /// </summary>
    public static System.Diagnostics.Process StartChild(string dll, params string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        var p = System.Diagnostics.Process.Start(psi)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    public string WriteJsonl(string name, IEnumerable<object> records)
    {
        string path = PathOf(name);
        File.WriteAllLines(path, records.Select(r => JsonSerializer.Serialize(r)));
        return path;
    }

    public static string SharedData
    {
        get
        {
            for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
                if (Directory.Exists(Path.Combine(d.FullName, "shared", "data"))) return Path.Combine(d.FullName, "shared", "data");
            return "/work/shared/data";
        }
    }

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>Reads an index's stored records and commit data directly (for checks the public API deliberately does not offer).</summary>
internal static class IndexProbe
{
    /// <summary>Every live document's record, in segment order.</summary>
    public static List<StoredRecord> Records(string indexDir)
    {
        using var d = Lucene.Net.Store.FSDirectory.Open(indexDir);
        using var reader = Lucene.Net.Index.DirectoryReader.Open(d);
        var records = new List<StoredRecord>();
        foreach (var ctx in reader.Leaves)
            for (int i = 0; i < ctx.AtomicReader.MaxDoc; i++)
                if (ctx.AtomicReader.LiveDocs?.Get(i) != false) records.Add(StoredRecord.Read(ctx.AtomicReader, i));
        return records;
    }

    public static long Documents(string indexDir)
    {
        using var d = Lucene.Net.Store.FSDirectory.Open(indexDir);
        using var reader = Lucene.Net.Index.DirectoryReader.Open(d);
        return reader.NumDocs;
    }

    /// <summary>How many documents the keyword field matches for <paramref name="text"/> (all of them, not a top-k).</summary>
    public static int KeywordMatches(string indexDir, string text)
    {
        using var d = Lucene.Net.Store.FSDirectory.Open(indexDir);
        using var reader = Lucene.Net.Index.DirectoryReader.Open(d);
        using var analyzer = AnalyzerCatalog.Create(IndexSettings.DefaultAnalyzer);
        var query = SemanticSearch.Index.Search.KeywordQueries.FromUserText(text, analyzer)!;
        return new Lucene.Net.Search.IndexSearcher(reader).Search(query, 1).TotalHits;
    }

    public static Dictionary<string, string> CommitData(string indexDir) => CommittedState.Read(indexDir);

    /// <summary>The vectors of the model the index serves, per record.</summary>
    public static byte[] LiveVectors(string indexDir, StoredRecord record) => record.Vectors(CommitData(indexDir)[CommitKeys.VectorField]);

    /// <summary>Lucene's CheckIndex over every segment: true when nothing is damaged.</summary>
    public static bool Clean(string indexDir)
    {
        using var d = Lucene.Net.Store.FSDirectory.Open(indexDir);
        return new Lucene.Net.Index.CheckIndex(d).DoCheckIndex().Clean;
    }
}
