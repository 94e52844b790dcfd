using System.Text.Json;
using Microsoft.Data.Sqlite;

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

    /// <summary>Direct SQL on an index (for checks the public API deliberately does not offer).</summary>
    public static T Scalar<T>(string indexDir, string sql)
    {
        SemanticSearch.Index.Storage.IndexDatabase.EnsureSqliteInitialized();
        using var conn = new SqliteConnection($"Data Source={Path.Combine(indexDir, "index.db")};Pooling=false");
        conn.Open();
        using var cmd = conn.CreateCommand();
        cmd.CommandText = sql;
        return (T)Convert.ChangeType(cmd.ExecuteScalar()!, typeof(T));
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
