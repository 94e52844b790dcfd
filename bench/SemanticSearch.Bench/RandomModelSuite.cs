using SemanticSearch.Model;
using SemanticSearch.Model.Configuration;
using SemanticSearch.Tokenization;

namespace SemanticSearch.Bench;

/// <summary>`write-model`: the MiniLM-L6-H384-shaped random model via RandomModelWriter, for machines without torch.</summary>
internal static class RandomModelSuite
{
    public static void Run(BenchOptions options, TextWriter output)
    {
        string vocab = options.Required("vocab");
        string dir = options.Required("output");
        int vocabSize = WordPieceTokenizer.FromVocabFile(vocab).VocabSize;
        RandomModelWriter.Write(dir, vocab, BertConfig.MiniLmL6H384(vocabSize), new RandomModelOptions { Seed = options.Int("seed", 2024) });
        Console.Error.WriteLine($"write-model: MiniLM-L6-H384 random model ({vocabSize} tokens) -> {dir}");
    }
}
