using System.Text.Json;
using System.Text.Json.Nodes;

namespace SemanticSearch.Model.Configuration;

/// <summary>The kinds of sentence-transformers module this engine can run.</summary>
public enum ModuleKind { Transformer, Pooling, Normalize }

/// <summary>One entry of modules.json: a module and the sub-folder (relative to the model folder) holding its files.</summary>
public sealed record ModuleEntry(int Index, string Name, string Path, ModuleKind Kind)
{
    public string TypeName => ModuleManifest.TypeNameOf(Kind);
}

/// <summary>
/// modules.json: the ordered module pipeline of a sentence-transformers model. Only the pipeline shape
/// Transformer → Pooling → optional Normalize is accepted for now; anything else is an error naming the file.
/// </summary>
public sealed class ModuleManifest
{
    public const string FileName = "modules.json";

    public IReadOnlyList<ModuleEntry> Entries { get; }

    public ModuleManifest(IReadOnlyList<ModuleEntry> entries) => Entries = entries;

    public static string TypeNameOf(ModuleKind kind) => "sentence_transformers.models." + kind;

    public static ModuleManifest Load(string path)
    {
        if (!File.Exists(path)) throw new ModelConfigException(path, null, "file not found");
        JsonNode? root;
        try { root = JsonNode.Parse(File.ReadAllBytes(path)); }
        catch (JsonException e) { throw new ModelConfigException(path, null, $"invalid JSON (line {e.LineNumber + 1}): {e.Message}", e); }
        if (root is not JsonArray array) throw new ModelConfigException(path, null, "expected a JSON array of modules");

        var entries = new List<ModuleEntry>();
        for (int i = 0; i < array.Count; i++)
        {
            if (array[i] is not JsonObject obj) throw new ModelConfigException(path, $"[{i}]", "expected an object with idx, name, path and type");
            var json = JsonConfigObject.Wrap(path, obj, $"[{i}]");
            string type = json.GetString("type");
            ModuleKind kind = type switch
            {
                "sentence_transformers.models.Transformer" => ModuleKind.Transformer,
                "sentence_transformers.models.Pooling" => ModuleKind.Pooling,
                "sentence_transformers.models.Normalize" => ModuleKind.Normalize,
                _ => throw new ModelConfigException(path, $"[{i}].type", $"unsupported module type \"{type}\" (supported: Transformer, Pooling, Normalize)"),
            };
            string modulePath = json.GetString("path", "");
            if (System.IO.Path.IsPathRooted(modulePath) || modulePath.Replace('\\', '/').Split('/').Contains(".."))
                throw new ModelConfigException(path, $"[{i}].path", $"module path \"{modulePath}\" must stay inside the model folder");
            entries.Add(new ModuleEntry(json.GetInt("idx", i), json.GetString("name", i.ToString()), modulePath, kind));
        }

        var kinds = entries.Select(e => e.Kind).ToArray();
        bool shapeOk = kinds.Length is 2 or 3 && kinds[0] == ModuleKind.Transformer && kinds[1] == ModuleKind.Pooling
            && (kinds.Length == 2 || kinds[2] == ModuleKind.Normalize);
        if (!shapeOk)
            throw new ModelConfigException(path, null,
                $"unsupported module pipeline [{string.Join(", ", kinds)}]; expected Transformer, Pooling and optionally Normalize");
        return new ModuleManifest(entries);
    }

    public JsonArray ToJson() => new(Entries.Select(e => (JsonNode)new JsonObject
    {
        ["idx"] = e.Index,
        ["name"] = e.Name,
        ["path"] = e.Path,
        ["type"] = e.TypeName,
    }).ToArray());
}
