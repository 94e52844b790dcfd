using System.Text.Json;
using System.Text.Json.Serialization;

namespace SemanticSearch.Service.Jobs;

/// <summary>
/// Job records as JSON files in one folder (under the index folder, so they travel with the index
/// and survive restarts). Writes go to a temporary file first and are renamed into place, so a
/// crash leaves either the old or the new record, never half of one.
/// </summary>
public sealed class JobStore
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        // A diverged run reports NaN/Infinity losses; they must be recordable, not crash the save.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    public JobStore(string directory)
    {
        Directory = directory;
        System.IO.Directory.CreateDirectory(directory);
    }

    public string Directory { get; }

    public void Save(JobRecord job)
    {
        string path = PathOf(job.Id);
        string temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(job, Json));
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Every readable record; unreadable files are reported through <paramref name="onError"/> and skipped.</summary>
    public List<JobRecord> LoadAll(Action<string, Exception> onError)
    {
        var jobs = new List<JobRecord>();
        foreach (var file in System.IO.Directory.EnumerateFiles(Directory, "*.json"))
        {
            try
            {
                var job = JsonSerializer.Deserialize<JobRecord>(File.ReadAllText(file), Json);
                if (job is not null && job.Id.Length > 0) jobs.Add(job);
            }
            catch (Exception e) when (e is JsonException or IOException)
            {
                onError(file, e);
            }
        }
        return jobs;
    }

    public string PathOf(string id) => Path.Combine(Directory, id + ".json");

    /// <summary>
    /// The job's request, stored once beside its record (binary protobuf, written like a record), so
    /// progress saves rewrite a small record rather than the whole request. Deleted when the job ends.
    /// </summary>
    public void SaveRequest(string id, byte[] request)
    {
        string path = RequestPathOf(id), temp = path + ".tmp";
        File.WriteAllBytes(temp, request);
        File.Move(temp, path, overwrite: true);
    }

    public byte[]? LoadRequest(string id) => File.Exists(RequestPathOf(id)) ? File.ReadAllBytes(RequestPathOf(id)) : null;

    public void Delete(string id)
    {
        File.Delete(PathOf(id));
        File.Delete(RequestPathOf(id));
    }

    public void DeleteRequest(string id) => File.Delete(RequestPathOf(id));

    private string RequestPathOf(string id) => Path.Combine(Directory, id + ".request.pb");
}
