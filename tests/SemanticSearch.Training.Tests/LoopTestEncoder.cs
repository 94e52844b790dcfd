using SemanticSearch.Training.Loop;
using SemanticSearch.Training.Optimization;

namespace SemanticSearch.Training.Tests;

/// <summary>
/// TEST DOUBLE for the loop-mechanics tests: a tiny encoder whose maths is easy to trust, with the properties of the
/// real BERT graph the loop depends on. e = W·dropout(mean of word vectors) + b, with words hashed into
/// <see cref="Buckets"/> ids. Dropout masks are a pure function of (<see cref="DropoutStep"/>, row, unit) and the step
/// advances per training forward, so replaying a forward (GradCache, resume) needs the step restored — as in the
/// real graph. A text containing "poison" embeds as NaN, to exercise the NaN guard.
/// </summary>
internal sealed class LoopTestEncoder : IFineTunableEncoder
{
    public const int Buckets = 97;
    private readonly TrainableParameter _words, _dense, _bias;
    private readonly float[] _wordValues, _wordGrads, _denseValues, _denseGrads, _biasValues, _biasGrads;
    private readonly float _dropout;
    private bool _wordsFrozen;
    private List<(int[] Ids, float[] Pooled, float[] Kept)>? _activations;

    public LoopTestEncoder(int dim, int seed, float dropout = 0.1f)
    {
        Dimension = dim;
        _dropout = dropout;
        var random = new Random(seed);
        float Next() => (float)((random.NextDouble() * 2 - 1) * 0.5);
        _wordValues = Enumerable.Range(0, Buckets * dim).Select(_ => Next()).ToArray();
        _denseValues = Enumerable.Range(0, dim * dim).Select(_ => Next()).ToArray();
        _biasValues = new float[dim];
        _wordGrads = new float[_wordValues.Length];
        _denseGrads = new float[_denseValues.Length];
        _biasGrads = new float[dim];
        _words = new TrainableParameter("embeddings.word_embeddings.weight", _wordValues, _wordGrads);
        _dense = new TrainableParameter("dense.weight", _denseValues, _denseGrads);
        _bias = new TrainableParameter("dense.bias", _biasValues, _biasGrads);
    }

    public int Dimension { get; }
    public ulong DropoutStep { get; set; }
    public int ForwardCalls { get; private set; }
    public IReadOnlyList<TrainableParameter> TrainableParameters => _wordsFrozen ? [_dense, _bias] : [_words, _dense, _bias];

    /// <summary>Copies of all weights, for comparing runs.</summary>
    public float[] Snapshot() => [.. _wordValues, .. _denseValues, .. _biasValues];

    public void Freeze(bool embeddings, int bottomLayers) => _wordsFrozen |= embeddings;

    public int[][] Tokenize(IReadOnlyList<string> texts) => texts.Select(t =>
    {
        var ids = t.ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(w => w == "poison" ? -1 : (int)(Fnv(w) % Buckets)).ToArray();
        return ids.Length == 0 ? [0] : ids;
    }).ToArray();

    public float[] Forward(IReadOnlyList<int[]> idSequences, bool training)
    {
        ForwardCalls++;
        int d = Dimension;
        var output = new float[idSequences.Count * d];
        _activations = [];
        for (int r = 0; r < idSequences.Count; r++)
        {
            var ids = idSequences[r];
            var pooled = new float[d];
            var kept = new float[d];
            foreach (int id in ids)
                for (int k = 0; k < d; k++) pooled[k] += id < 0 ? float.NaN : _wordValues[id * d + k] / ids.Length;
            for (int k = 0; k < d; k++)
                kept[k] = !training || _dropout == 0 ? 1f : Keep(DropoutStep, r, k) ? 1f / (1 - _dropout) : 0f;
            for (int o = 0; o < d; o++)
            {
                double sum = _biasValues[o];
                for (int k = 0; k < d; k++) sum += _denseValues[o * d + k] * pooled[k] * kept[k];
                output[r * d + o] = (float)sum;
            }
            _activations.Add((ids, pooled, kept));
        }
        if (training) DropoutStep++;
        return output;
    }

    public void Backward(ReadOnlySpan<float> dOutput)
    {
        var activations = _activations ?? throw new InvalidOperationException("Backward without a training forward");
        int d = Dimension;
        for (int r = 0; r < activations.Count; r++)
        {
            var (ids, pooled, kept) = activations[r];
            var de = dOutput.Slice(r * d, d);
            var dPooled = new float[d];
            for (int o = 0; o < d; o++)
            {
                _biasGrads[o] += de[o];
                for (int k = 0; k < d; k++)
                {
                    _denseGrads[o * d + k] += de[o] * pooled[k] * kept[k];
                    dPooled[k] += de[o] * _denseValues[o * d + k] * kept[k];
                }
            }
            if (_wordsFrozen) continue;
            foreach (int id in ids.Where(id => id >= 0)) // the poison token has no vector; its NaN reaches the other gradients
                for (int k = 0; k < d; k++) _wordGrads[id * d + k] += dPooled[k] / ids.Length;
        }
    }

    public void SaveModel(string directory) =>
        File.WriteAllBytes(Path.Combine(directory, "test-encoder.bin"), System.Runtime.InteropServices.MemoryMarshal.AsBytes(Snapshot().AsSpan()).ToArray());

    /// <summary>FNV-1a: string.GetHashCode is randomized per process, and the tests compare runs.</summary>
    private static uint Fnv(string word)
    {
        uint h = 2166136261;
        foreach (char ch in word) h = (h ^ ch) * 16777619;
        return h;
    }

    private bool Keep(ulong step, int row, int unit)
    {
        ulong h = (step * 0x9E3779B97F4A7C15UL) ^ ((ulong)row << 32) ^ (ulong)unit;
        h ^= h >> 33; h *= 0xFF51AFD7ED558CCDUL; h ^= h >> 33; h *= 0xC4CEB9FE1A85EC53UL; h ^= h >> 33;
        return (h % 10_000) >= _dropout * 10_000;
    }
}
