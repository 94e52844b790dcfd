using System.Text.Json.Nodes;

namespace SemanticSearch.Model.Configuration;

/// <summary>
/// sentence_bert_config.json of a Transformer module: the truncation length and whether texts are
/// lower-cased before tokenization (on top of whatever the tokenizer itself does).
/// </summary>
public sealed record SentenceBertConfig(int? MaxSeqLength, bool DoLowerCase)
{
    public const string FileName = "sentence_bert_config.json";

    /// <summary>Reads the file when it exists; a Transformer folder without one has no explicit settings.</summary>
    public static SentenceBertConfig LoadOrDefault(string path)
    {
        if (!File.Exists(path)) return new SentenceBertConfig(null, false);
        var json = JsonConfigObject.Load(path);
        return new SentenceBertConfig(json.GetOptionalInt("max_seq_length", min: 2), json.GetBool("do_lower_case", false));
    }

    public JsonObject ToJson() => new() { ["max_seq_length"] = MaxSeqLength, ["do_lower_case"] = DoLowerCase };
}
