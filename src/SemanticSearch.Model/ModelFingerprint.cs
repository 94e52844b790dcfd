using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace SemanticSearch.Model;

/// <summary>
/// Identity of a model's behaviour: two encoders with the same fingerprint produce the same embeddings.
/// Hashes a canonical description of everything output-relevant, then the vocabulary, then every weight
/// (unfused, in save order, as little-endian float32). Dropout and other training-only settings are left
/// out; storage details (file dtype, "bert." prefixes, folder layout) do not enter because the hash is
/// over the values in memory, which is why it survives Save and reload.
/// </summary>
internal static class ModelFingerprint
{
    public static string Compute(SentenceEncoder encoder)
    {
        var transformer = encoder.Transformer;
        var config = transformer.Config;
        var tokenizerOptions = transformer.Tokenizer.Options;
        var description = new JsonObject
        {
            ["format"] = "semsearch-fingerprint-1",
            ["vocab_size"] = config.VocabSize,
            ["hidden_size"] = config.HiddenSize,
            ["num_hidden_layers"] = config.NumHiddenLayers,
            ["num_attention_heads"] = config.NumAttentionHeads,
            ["intermediate_size"] = config.IntermediateSize,
            ["hidden_act"] = config.HiddenAct.ToString(),
            ["max_position_embeddings"] = config.MaxPositionEmbeddings,
            ["type_vocab_size"] = config.TypeVocabSize,
            ["layer_norm_eps"] = config.LayerNormEps,
            ["max_seq_length"] = transformer.MaxSeqLength,
            ["sbert_do_lower_case"] = transformer.DoLowerCase,
            ["tokenizer_do_lower_case"] = tokenizerOptions.DoLowerCase,
            ["tokenizer_strip_accents"] = tokenizerOptions.ShouldStripAccents,
            ["tokenizer_chinese_chars"] = tokenizerOptions.TokenizeChineseChars,
            ["tokenizer_clean_text"] = tokenizerOptions.CleanText,
            ["tokenizer_max_chars_per_word"] = tokenizerOptions.MaxInputCharsPerWord,
            ["tokenizer_subword_prefix"] = tokenizerOptions.ContinuingSubwordPrefix,
            ["tokenizer_special_tokens"] = $"{tokenizerOptions.UnkToken} {tokenizerOptions.ClsToken} {tokenizerOptions.SepToken} {tokenizerOptions.PadToken}",
            ["pooling"] = string.Join(",", encoder.Pooling.Config.Modes),
            ["normalize"] = encoder.Normalizes,
        };
        // Only when set, so the fingerprints of models without a prompt (and the indexes recording them) stay as they were.
        if (encoder.QueryPrefix is not null) description["query_prefix"] = encoder.QueryPrefix;
        // Only int8 models carry the key, so every float model's fingerprint is what it always was.
        var int8 = transformer.Weights.Int8;
        if (int8 is not null) description["quantization"] = Weights.Int8Weights.Scheme;

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(description.ToJsonString()));
        var tokenizer = transformer.Tokenizer;
        for (int id = 0; id < tokenizer.VocabSize; id++)
            hash.AppendData(Encoding.UTF8.GetBytes(tokenizer.IdToToken(id) + "\n"));
        foreach (var (name, shape, data) in transformer.Weights.EnumerateNamed(config))
        {
            hash.AppendData(Encoding.UTF8.GetBytes($"{name}[{string.Join(",", shape)}]"));
            if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("fingerprints are defined over little-endian float32 bytes");
            hash.AppendData(MemoryMarshal.AsBytes(data.AsSpan()));
        }
        if (int8 is not null)
            foreach (var layer in int8)
                foreach (var w in new[] { layer.Qkv, layer.AttentionOutput, layer.Intermediate, layer.Output })
                    hash.AppendData(MemoryMarshal.AsBytes(w.Scales.AsSpan()));
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
