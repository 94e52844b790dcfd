namespace SemanticSearch.Training.Data;

/// <summary>An (anchor, positive, hard negative) triple with the intents that make it one.</summary>
public sealed record IntentTriplet(string Anchor, string Positive, string Negative, string AnchorIntent, string NegativeIntent);

/// <summary>
/// The FAQ recipe: from intent-labelled utterances, one triple per utterance whose intent has at least two distinct
/// texts: anchor = the utterance, positive = another utterance of the same intent, negative = an utterance of a
/// different intent. Choices come from a seeded System.Random, so a seed reproduces the set exactly.
/// Pair with <see cref="NoSameIntentBatchSampler"/>: with in-batch negatives, two anchors of one intent in a batch
/// would each be trained to push away the other's (correct) positive.
/// </summary>
public static class IntentTripletRecipe
{
    public static IReadOnlyList<IntentTriplet> Build(IReadOnlyList<IntentUtterance> utterances, int seed)
    {
        var byIntent = utterances
            .GroupBy(u => u.Intent, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(u => u.Text).Distinct(StringComparer.Ordinal).ToArray(), StringComparer.Ordinal);
        if (byIntent.Count < 2)
            throw new ArgumentException($"need utterances of at least two intents for hard negatives, got {byIntent.Count}");
        var intents = byIntent.Keys.ToArray();
        var random = new Random(seed);
        var triplets = new List<IntentTriplet>();
        foreach (var u in utterances)
        {
            var same = byIntent[u.Intent];
            if (same.Length < 2) continue; // no positive other than the anchor itself
            string positive;
            do positive = same[random.Next(same.Length)]; while (positive == u.Text);
            string negativeIntent;
            do negativeIntent = intents[random.Next(intents.Length)]; while (negativeIntent == u.Intent);
            var others = byIntent[negativeIntent];
            triplets.Add(new IntentTriplet(u.Text, positive, others[random.Next(others.Length)], u.Intent, negativeIntent));
        }
        if (triplets.Count == 0) throw new ArgumentException("no intent has two distinct utterances; cannot form positives");
        return triplets;
    }
}
