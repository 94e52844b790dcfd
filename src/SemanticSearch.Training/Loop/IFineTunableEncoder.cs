using SemanticSearch.Training.Optimization;

namespace SemanticSearch.Training.Loop;

/// <summary>
/// What <see cref="FineTuner"/> needs from a sentence encoder: tokenization, one packed training forward and its
/// backward, the live parameters, a replayable dropout stream and saving. The production implementation is
/// <see cref="BertFineTunableEncoder"/> (SentenceEncoder + its training graph); keeping the loop behind this interface
/// lets its mechanics (accumulation, schedule, checkpoints) be tested on encoders small enough to check by hand.
/// </summary>
public interface IFineTunableEncoder
{
    /// <summary>Width of one output row.</summary>
    int Dimension { get; }

    /// <summary>
    /// Parameters the optimizer updates, frozen ones excluded. Values are the live weights (updated in place);
    /// gradients accumulate across <see cref="Backward"/> calls until cleared.
    /// </summary>
    IReadOnlyList<TrainableParameter> TrainableParameters { get; }

    /// <summary>Freezes the embeddings and, if <paramref name="bottomLayers"/> &gt; 0, that many lowest layers.</summary>
    void Freeze(bool embeddings, int bottomLayers);

    int[][] Tokenize(IReadOnlyList<string> texts);

    /// <summary>Token ids of search queries: the model's query prefix, if it has one, before each (see SentenceEncoder.QueryPrefix).</summary>
    int[][] TokenizeQueries(IReadOnlyList<string> queries) => Tokenize(queries);

    /// <summary>
    /// Row-major [sequences, Dimension] pipeline output. With <paramref name="training"/> dropout is drawn from the
    /// stream at <see cref="DropoutStep"/>, which advances; the activations are kept for one <see cref="Backward"/>.
    /// </summary>
    float[] Forward(IReadOnlyList<int[]> idSequences, bool training);

    /// <summary>Accumulates parameter gradients for dLoss/dOutput of the last training forward.</summary>
    void Backward(ReadOnlySpan<float> dOutput);

    /// <summary>Position in the dropout random stream: setting it back replays a forward exactly (GradCache, resume).</summary>
    ulong DropoutStep { get; set; }

    /// <summary>Writes the model as a folder SentenceEncoder.Load reads.</summary>
    void SaveModel(string directory);
}
