using System.Text.Json.Nodes;

namespace SemanticSearch.Model.Configuration;

/// <summary>
/// config_sentence_transformers.json: the model-level settings of sentence-transformers. Only <c>prompts</c> changes
/// embeddings here: its "query" entry is the text put before every query (sentence-transformers'
/// <c>encode(..., prompt_name="query")</c>), never before documents. Other prompts and <c>default_prompt_name</c> (a
/// prompt applied to every text) are refused rather than ignored, since ignoring them would silently give vectors the
/// model was not trained to produce.
/// </summary>
public sealed record SentenceTransformersConfig(string? QueryPrefix)
{
    public const string FileName = "config_sentence_transformers.json";
    public const string QueryPromptName = "query";

    public static SentenceTransformersConfig LoadOrDefault(string path)
    {
        if (!File.Exists(path)) return new SentenceTransformersConfig((string?)null);
        var json = JsonConfigObject.Load(path);
        if (json.GetOptionalString("default_prompt_name") is { Length: > 0 } defaultPrompt)
            throw json.Error("default_prompt_name", $"\"{defaultPrompt}\": a prompt applied to every text is not supported (only a \"{QueryPromptName}\" prompt, applied to queries)");
        string? query = null;
        foreach (var (name, value) in json.GetStringMap("prompts"))
        {
            if (name == QueryPromptName) query = value.Length == 0 ? null : value;
            else if (value.Length > 0)
                throw json.Error($"prompts.{name}", $"only the \"{QueryPromptName}\" prompt is supported (documents are encoded without a prompt)");
        }
        return new SentenceTransformersConfig(query);
    }

    public JsonObject ToJson() => new()
    {
        ["prompts"] = QueryPrefix is null ? new JsonObject() : new JsonObject { [QueryPromptName] = QueryPrefix },
        ["default_prompt_name"] = null,
        ["similarity_fn_name"] = "cosine",
    };
}
