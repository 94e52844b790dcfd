using SemanticSearch.Service.Api.V1;

namespace SemanticSearch.Bench.Service;

/// <summary>Synthetic FAQ-like documents and queries built from a fixed word list (deterministic).</summary>
internal static class BenchCorpus
{
    private static readonly string[] Words =
    [
        "card", "transfer", "fee", "refund", "account", "pin", "cash", "limit", "currency", "exchange", "rate", "payment",
        "declined", "pending", "verify", "identity", "top", "up", "bank", "merchant", "freeze", "lost", "stolen", "arrive",
    ];

    public static Document Document(string prefix, int i)
    {
        var random = new Random(i * 7919 + prefix.Length);
        var words = Enumerable.Range(0, 24).Select(_ => Words[random.Next(Words.Length)]);
        var d = new Document { Id = $"{prefix}-{i}", Title = $"{Words[i % Words.Length]} question {i}", Text = string.Join(' ', words) };
        d.Tags.Add(Words[i % 5]);
        return d;
    }

    public static string Query(Random random) => $"{Words[random.Next(Words.Length)]} {Words[random.Next(Words.Length)]}";
}
