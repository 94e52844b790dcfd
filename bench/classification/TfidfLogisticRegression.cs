using SemanticSearch.Training.Losses;
using SemanticSearch.Training.Optimization;

namespace SemanticSearch.Bench.Classification;

/// <summary>
/// The lexical baseline: unigram + bigram TF-IDF (lower-cased word tokens, scikit-learn's smooth idf
/// ln((1+n)/(1+df))+1, raw counts, rows L2-normalised) and multinomial logistic regression trained with AdamW on
/// softmax cross-entropy, shuffled from a seed. Features are sparse; the weight matrix is dense.
/// </summary>
public sealed class TfidfLogisticRegression
{
    private readonly Dictionary<string, int> _vocabulary = new(StringComparer.Ordinal);
    private double[] _idf = [];
    private float[] _weights = [], _bias = [];
    private int _classes;

    public static IEnumerable<string> Terms(string text)
    {
        var words = new List<string>();
        var current = new System.Text.StringBuilder();
        foreach (char ch in text.ToLowerInvariant() + " ")
        {
            if (char.IsLetterOrDigit(ch)) { current.Append(ch); continue; }
            if (current.Length > 0) { words.Add(current.ToString()); current.Clear(); }
        }
        for (int i = 0; i < words.Count; i++)
        {
            yield return words[i];
            if (i + 1 < words.Count) yield return words[i] + " " + words[i + 1];
        }
    }

    private (int[] Index, float[] Value) Vectorize(string text)
    {
        var counts = new Dictionary<int, int>();
        foreach (var term in Terms(text))
            if (_vocabulary.TryGetValue(term, out int f)) counts[f] = counts.GetValueOrDefault(f) + 1;
        var index = counts.Keys.Order().ToArray();
        var value = index.Select(f => (float)(counts[f] * _idf[f])).ToArray();
        double norm = Math.Sqrt(value.Sum(v => (double)v * v));
        if (norm > 0) for (int i = 0; i < value.Length; i++) value[i] = (float)(value[i] / norm);
        return (index, value);
    }

    public void Fit(IReadOnlyList<string> texts, int[] labels, int classes, int epochs, double learningRate, int batchSize, int seed)
    {
        var df = new List<int>();
        foreach (var text in texts)
            foreach (var term in Terms(text).Distinct())
            {
                if (!_vocabulary.TryGetValue(term, out int f)) { f = _vocabulary.Count; _vocabulary[term] = f; df.Add(0); }
                df[f]++;
            }
        _idf = df.Select(d => Math.Log((1.0 + texts.Count) / (1.0 + d)) + 1).ToArray();
        var x = texts.Select(Vectorize).ToArray();
        int features = _vocabulary.Count;
        _classes = classes;
        _weights = new float[classes * features];
        _bias = new float[classes];
        var dW = new float[_weights.Length];
        var dB = new float[classes];
        var optimizer = new AdamW([new ParameterGroup("all", 0.0, [new TrainableParameter("weight", _weights, dW), new TrainableParameter("bias", _bias, dB)])]);
        var random = new Random(seed);
        var order = Enumerable.Range(0, texts.Count).ToArray();
        var logits = new float[batchSize * classes];
        var dLogits = new float[batchSize * classes];
        var targets = new int[batchSize];
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            random.Shuffle(order);
            for (int start = 0; start < order.Length; start += batchSize)
            {
                int rows = Math.Min(batchSize, order.Length - start);
                optimizer.ZeroGradients();
                for (int r = 0; r < rows; r++)
                {
                    Scores(x[order[start + r]], logits.AsSpan(r * classes, classes));
                    targets[r] = labels[order[start + r]];
                }
                SoftmaxCrossEntropyLoss.Compute(logits.AsSpan(0, rows * classes), targets.AsSpan(0, rows), classes, [], dLogits.AsSpan(0, rows * classes));
                for (int r = 0; r < rows; r++)
                {
                    var (index, value) = x[order[start + r]];
                    for (int c = 0; c < classes; c++)
                    {
                        float g = dLogits[r * classes + c];
                        dB[c] += g;
                        for (int k = 0; k < index.Length; k++) dW[c * features + index[k]] += g * value[k];
                    }
                }
                optimizer.Step(learningRate);
            }
        }
    }

    private void Scores((int[] Index, float[] Value) x, Span<float> logits)
    {
        int features = _vocabulary.Count;
        for (int c = 0; c < _classes; c++)
        {
            double z = _bias[c];
            for (int k = 0; k < x.Index.Length; k++) z += _weights[c * features + x.Index[k]] * x.Value[k];
            logits[c] = (float)z;
        }
    }

    public int Predict(string text)
    {
        var logits = new float[_classes];
        Scores(Vectorize(text), logits);
        int best = 0;
        for (int c = 1; c < _classes; c++) if (logits[c] > logits[best]) best = c;
        return best;
    }
}
