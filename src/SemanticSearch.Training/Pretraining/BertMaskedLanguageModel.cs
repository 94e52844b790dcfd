using SemanticSearch.Model;
using SemanticSearch.Training.Encoder;
using SemanticSearch.Training.Optimization;

namespace SemanticSearch.Training.Pretraining;

/// <summary>
/// The production <see cref="IMaskedLanguageModel"/>: a loaded BERT with the tied MLM head of
/// <see cref="MaskedLanguageModelGraph"/>. The head continues from the model folder's "cls.predictions.*" tensors
/// when it has them (an earlier pretrain run, or a Hugging Face BertForMaskedLM checkpoint) and starts from BERT's
/// initialization otherwise.
/// </summary>
public sealed class BertMaskedLanguageModel : IMaskedLanguageModel
{
    private readonly SentenceEncoder _encoder;
    private readonly MaskedLanguageModelGraph _graph;
    private readonly int _maxSeqLength;

    /// <param name="maxSeqLength">truncation for pretraining texts; capped by the model's own max_seq_length</param>
    public BertMaskedLanguageModel(SentenceEncoder encoder, string modelDirectory, TrainingGraphOptions options, int? maxSeqLength = null)
    {
        _encoder = encoder;
        _graph = new MaskedLanguageModelGraph(encoder, options, headSeed: options.Seed);
        HeadLoaded = _graph.LoadHead(modelDirectory);
        _maxSeqLength = Math.Min(maxSeqLength ?? encoder.MaxSeqLength, encoder.MaxSeqLength);
        if (_maxSeqLength < 3) throw new ArgumentException($"max sequence length must be at least 3 ([CLS] token [SEP]), got {_maxSeqLength}");
        TrainableParameters = _graph.Parameters.Where(p => !p.Frozen).ToList();
    }

    /// <summary>True when the head came from the model folder rather than fresh initialization.</summary>
    public bool HeadLoaded { get; }
    public SentenceEncoder Encoder => _encoder;
    public IReadOnlyList<TrainableParameter> TrainableParameters { get; }
    public int VocabSize => _encoder.Tokenizer.VocabSize;
    public int MaxSeqLength => _maxSeqLength;
    public int MaskTokenId => _encoder.Tokenizer.MaskId;
    public IReadOnlyList<int> SpecialTokenIds => [_encoder.Tokenizer.ClsId, _encoder.Tokenizer.SepId, _encoder.Tokenizer.PadId];

    /// <summary>The encoder's tokenization, cut to <see cref="MaxSeqLength"/> with [SEP] kept last.</summary>
    public int[][] Tokenize(IReadOnlyList<string> texts) => _encoder.Tokenize(texts).Select(ids =>
    {
        if (ids.Length <= _maxSeqLength) return ids;
        var cut = ids[.._maxSeqLength];
        cut[^1] = _encoder.Tokenizer.SepId;
        return cut;
    }).ToArray();

    public double Forward(IReadOnlyList<int[]> inputIds, IReadOnlyList<int[]> labels, bool training) => _graph.Forward(inputIds, labels, training);
    public void Backward() => _graph.Backward();
    public ulong DropoutStep { get => _graph.DropoutStep; set => _graph.DropoutStep = value; }
    public void SaveModel(string directory) => _graph.Save(directory);
}
