using SemanticSearch.Model;
using SemanticSearch.Training.Encoder;
using SemanticSearch.Training.Optimization;

namespace SemanticSearch.Training.Loop;

/// <summary>
/// The production <see cref="IFineTunableEncoder"/>: a loaded <see cref="SentenceEncoder"/> and its training graph,
/// which shares the encoder's weight arrays — the optimizer updates them in place and <see cref="SaveModel"/> writes
/// the trained model in the sentence-transformers layout.
/// </summary>
public sealed class BertFineTunableEncoder : IFineTunableEncoder
{
    private readonly SentenceEncoder _encoder;
    private readonly SentenceEncoderTrainingGraph _graph;
    private IReadOnlyList<TrainableParameter>? _trainable;

    public BertFineTunableEncoder(SentenceEncoder encoder, TrainingGraphOptions options)
    {
        _encoder = encoder;
        _graph = new SentenceEncoderTrainingGraph(encoder, options);
    }

    public SentenceEncoder Encoder => _encoder;
    public int Dimension => _graph.Dimension;
    public IReadOnlyList<TrainableParameter> TrainableParameters => _trainable ??= _graph.UnfrozenParameters();
    public ulong DropoutStep { get => _graph.DropoutStep; set => _graph.DropoutStep = value; }

    /// <summary>--freeze-layers N freezes the embeddings too: they sit below layer 0.</summary>
    public void Freeze(bool embeddings, int bottomLayers)
    {
        if (embeddings) _graph.FreezeEmbeddings();
        if (bottomLayers > 0) _graph.FreezeBottomLayers(bottomLayers);
        _trainable = null;
    }

    public int[][] Tokenize(IReadOnlyList<string> texts) => _encoder.Tokenize(texts);
    public int[][] TokenizeQueries(IReadOnlyList<string> queries) => _encoder.TokenizeQueries(queries);
    public float[] Forward(IReadOnlyList<int[]> idSequences, bool training) => _graph.Forward(idSequences, training);
    public void Backward(ReadOnlySpan<float> dOutput) => _graph.Backward(dOutput);
    public void SaveModel(string directory) => _encoder.Save(directory);
}
