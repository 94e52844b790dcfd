using SemanticSearch.Model.Modules;
using SemanticSearch.Model.Weights;

namespace SemanticSearch.Model;

/// <summary>
/// Turns a float encoder into an int8 one (<see cref="Int8Weights"/>): Linear weights quantized per output channel,
/// activations per token at run time. The result has its own <see cref="SentenceEncoder.Fingerprint"/> (an index
/// records it as a different model), saves as an int8 folder and loads back with the same outputs.
/// </summary>
public static class Int8Quantizer
{
    public static SentenceEncoder Quantize(SentenceEncoder encoder)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        var t = encoder.Transformer;
        if (t.Weights.Int8 is not null) throw new ArgumentException("the model is already int8", nameof(encoder));
        var int8 = Int8Weights.Quantize(t.Config, t.Weights);
        var weights = Int8Weights.Attach(t.Config, t.Weights, int8);
        var transformer = new TransformerModule(t.Config, weights, t.Tokenizer, t.MaxSeqLength, t.DoLowerCase);
        return new SentenceEncoder(transformer, encoder.Pooling, encoder.Normalizes ? new NormalizeModule() : null);
    }
}
