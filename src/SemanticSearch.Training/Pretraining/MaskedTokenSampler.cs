namespace SemanticSearch.Training.Pretraining;

/// <summary>Inputs and labels of one masked sequence; label -100 means "not predicted" (torch's ignore_index).</summary>
public readonly record struct MaskedSequence(int[] Inputs, int[] Labels);

/// <summary>
/// BERT's masking (HF DataCollatorForLanguageModeling): each token other than [CLS]/[SEP]/[PAD] is selected with
/// <see cref="MaskProbability"/>; a selected token becomes [MASK] 80% of the time, a random vocabulary token 10%, and
/// stays itself 10%; only selected tokens carry a label. When a short sequence draws no token at all, one is selected
/// anyway, so every sequence contributes to the loss (a batch with no labels would divide by zero).
/// </summary>
public sealed class MaskedTokenSampler
{
    public const int Ignore = -100;
    private readonly int _vocabSize, _maskId;
    private readonly HashSet<int> _neverMasked;

    public MaskedTokenSampler(int vocabSize, int maskId, IEnumerable<int> neverMasked, double maskProbability = 0.15)
    {
        if (maskProbability is not (> 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(maskProbability), maskProbability, "must be in (0, 1]");
        if ((uint)maskId >= (uint)vocabSize) throw new ArgumentOutOfRangeException(nameof(maskId), maskId, $"outside the vocabulary [0, {vocabSize})");
        _vocabSize = vocabSize;
        _maskId = maskId;
        _neverMasked = neverMasked.ToHashSet();
        MaskProbability = maskProbability;
    }

    public double MaskProbability { get; }

    public MaskedSequence Mask(int[] ids, Random random)
    {
        var inputs = (int[])ids.Clone();
        var labels = new int[ids.Length];
        Array.Fill(labels, Ignore);
        var candidates = new List<int>();
        int selected = 0;
        for (int i = 0; i < ids.Length; i++)
        {
            if (_neverMasked.Contains(ids[i])) continue;
            candidates.Add(i);
            if (random.NextDouble() < MaskProbability) { Corrupt(inputs, labels, ids, i, random); selected++; }
        }
        if (selected == 0 && candidates.Count > 0) Corrupt(inputs, labels, ids, candidates[random.Next(candidates.Count)], random);
        return new MaskedSequence(inputs, labels);
    }

    private void Corrupt(int[] inputs, int[] labels, int[] ids, int i, Random random)
    {
        labels[i] = ids[i];
        double r = random.NextDouble();
        if (r < 0.8) inputs[i] = _maskId;
        else if (r < 0.9) inputs[i] = random.Next(_vocabSize);
        // else: keep the original token (the model must not learn that unmasked tokens are never predicted)
    }
}
