using SemanticSearch.Model.Configuration;
using SemanticSearch.Tensors;

namespace SemanticSearch.Model.Tests;

/// <summary>Small random models over a small vocabulary, so tests run in milliseconds.</summary>
internal static class TinyModels
{
    public static readonly string[] Words =
    {
        "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "card", "my", "is", "not", "working", "how", "do", "i",
        "top", "up", "transfer", "money", "account", "##s", "##ing", "bank", "pin", "lost", "?", ".", ",", "a", "to", "it",
    };

    public static BertConfig Config(int layers = 2, int hidden = 16, int heads = 4, int intermediate = 24, HiddenActivation act = HiddenActivation.Gelu) => new()
    {
        VocabSize = Words.Length, HiddenSize = hidden, NumHiddenLayers = layers, NumAttentionHeads = heads,
        IntermediateSize = intermediate, HiddenAct = act, MaxPositionEmbeddings = 40,
    };

    public static string WriteVocab(TempDirectory dir)
    {
        string path = dir.File("vocab.txt");
        File.WriteAllLines(path, Words);
        return path;
    }

    /// <summary>A random model with weights large enough (std 0.5) that every op visibly changes outputs.</summary>
    public static SentenceEncoder Create(TempDirectory dir, int seed = 7, PoolingMode[]? pooling = null, bool normalize = true, BertConfig? config = null) =>
        RandomModelWriter.Create(WriteVocab(dir), config ?? Config(), new RandomModelOptions
        {
            Seed = seed, WeightStd = 0.5, Pooling = pooling ?? new[] { PoolingMode.Mean }, Normalize = normalize, MaxSeqLength = 32,
        });
}
