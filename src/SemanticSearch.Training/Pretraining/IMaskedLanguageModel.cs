using SemanticSearch.Training.Optimization;

namespace SemanticSearch.Training.Pretraining;

/// <summary>
/// What <see cref="Pretrainer"/> needs from BERT with its masked-language-model head: the mean cross-entropy over
/// labelled positions for one packed batch, its backward, the parameters (head included) and saving.
/// </summary>
public interface IMaskedLanguageModel
{
    IReadOnlyList<TrainableParameter> TrainableParameters { get; }
    int VocabSize { get; }
    int MaxSeqLength { get; }
    int[][] Tokenize(IReadOnlyList<string> texts);
    /// <summary>Token ids of [MASK] and of the tokens never masked ([CLS], [SEP], [PAD]).</summary>
    int MaskTokenId { get; }
    IReadOnlyList<int> SpecialTokenIds { get; }
    /// <summary>Mean cross-entropy over positions whose label is not -100; keeps activations for one Backward.</summary>
    double Forward(IReadOnlyList<int[]> inputIds, IReadOnlyList<int[]> labels, bool training);
    void Backward();
    /// <summary>Position of the dropout-mask stream (every training Forward advances it); checkpoints save and restore it.</summary>
    ulong DropoutStep { get; set; }
    /// <summary>Writes a model folder SentenceEncoder.Load reads, with the MLM head so pretraining can continue.</summary>
    void SaveModel(string directory);
}
