using System.Text.Json.Nodes;
using SemanticSearch.Tensors;

namespace SemanticSearch.Model.Configuration;

/// <summary>
/// 1_Pooling/config.json: which poolings to apply. Several may be enabled; their outputs are concatenated
/// in sentence-transformers' order (cls, max, mean, mean_sqrt_len), so the sentence dimension is
/// <c>Modes.Count × word_embedding_dimension</c>. include_prompt only matters for instruction models
/// with prompts and is ignored.
/// </summary>
public sealed record PoolingConfig(int WordEmbeddingDimension, IReadOnlyList<PoolingMode> Modes)
{
    public const string FileName = "config.json";

    /// <summary>sentence-transformers' concatenation order, with the config field enabling each mode.</summary>
    private static readonly (PoolingMode Mode, string Field)[] s_modeFields =
    {
        (PoolingMode.Cls, "pooling_mode_cls_token"),
        (PoolingMode.Max, "pooling_mode_max_tokens"),
        (PoolingMode.Mean, "pooling_mode_mean_tokens"),
        (PoolingMode.MeanSqrtLen, "pooling_mode_mean_sqrt_len_tokens"),
    };

    private static readonly string[] s_unsupportedFields = { "pooling_mode_weightedmean_tokens", "pooling_mode_lasttoken" };

    public int OutputDimension => WordEmbeddingDimension * Modes.Count;

    /// <summary>Puts modes into sentence-transformers' concatenation order and rejects duplicates.</summary>
    public static PoolingConfig Create(int wordEmbeddingDimension, IEnumerable<PoolingMode> modes)
    {
        var set = modes.ToHashSet();
        if (set.Count == 0) throw new ArgumentException("at least one pooling mode is required", nameof(modes));
        return new PoolingConfig(wordEmbeddingDimension, s_modeFields.Select(m => m.Mode).Where(set.Contains).ToArray());
    }

    public static PoolingConfig Load(string path)
    {
        var json = JsonConfigObject.Load(path);
        int dimension = json.GetInt("word_embedding_dimension", min: 1);
        foreach (string field in s_unsupportedFields)
            if (json.GetBool(field, false)) throw json.Error(field, "this pooling mode is not supported (supported: cls, max, mean, mean_sqrt_len)");
        var modes = s_modeFields.Where(m => json.GetBool(m.Field, false)).Select(m => m.Mode).ToArray();
        if (modes.Length == 0)
            throw new ModelConfigException(path, null, "no pooling mode enabled (set one of pooling_mode_cls_token, pooling_mode_max_tokens, pooling_mode_mean_tokens, pooling_mode_mean_sqrt_len_tokens)");
        return new PoolingConfig(dimension, modes);
    }

    public JsonObject ToJson()
    {
        var obj = new JsonObject { ["word_embedding_dimension"] = WordEmbeddingDimension };
        foreach (var (mode, field) in s_modeFields) obj[field] = Modes.Contains(mode);
        obj["pooling_mode_weightedmean_tokens"] = false;
        obj["pooling_mode_lasttoken"] = false;
        obj["include_prompt"] = true;
        return obj;
    }
}
