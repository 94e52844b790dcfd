using System.Reflection;
using SemanticSearch.Model;
using SemanticSearch.Model.Configuration;
using SemanticSearch.Service.Api.V1;

namespace SemanticSearch.Service.Tests;

/// <summary>
/// Shared inputs of the product-API tests: a tiny random-weight BERT over the real
/// bert-base-uncased vocabulary (vector rankings are meaningless but deterministic; keyword
/// rankings are real) and a small tagged corpus.
/// </summary>
internal static class ApiTestCorpus
{
    public static string RepositoryRoot => typeof(ApiTestCorpus).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;

    public static string Vocab => Path.Combine(RepositoryRoot, "..", "shared", "data", "bert-base-uncased", "vocab.txt");

    public const int Dimension = 32;

    public static readonly string[] HeadLabels = ["cards", "transfers", "other"];

    /// <summary>
    /// Writes a 2-layer, 32-wide random model to <paramref name="directory"/>, with a randomly
    /// initialised softmax classifier head over <see cref="HeadLabels"/> when asked.
    /// </summary>
    public static void WriteTinyModel(string directory, bool withClassifierHead = false)
    {
        Assert.True(File.Exists(Vocab), $"the tests need the vocabulary at {Vocab}");
        int vocabSize = File.ReadLines(Vocab).Count();
        var encoder = RandomModelWriter.Write(directory, Vocab, new BertConfig
        {
            VocabSize = vocabSize,
            HiddenSize = Dimension,
            NumHiddenLayers = 2,
            NumAttentionHeads = 2,
            IntermediateSize = 64,
            MaxPositionEmbeddings = 128,
        }, new RandomModelOptions { Seed = 7 });
        if (!withClassifierHead) return;
        var head = SemanticSearch.Model.Heads.ClassifierHead.CreateInitialized(new SemanticSearch.Model.Heads.ClassifierHeadConfig
        {
            InputDimension = Dimension, LabelCount = HeadLabels.Length, EncoderFingerprint = encoder.Fingerprint,
        }, HeadLabels, seed: 3);
        head.Save(Path.Combine(directory, SemanticSearch.Model.Heads.ClassifierHead.DefaultFolderName));
    }

    public static Document Doc(string id, string title, string text, params string[] tags)
    {
        var d = new Document { Id = id, Title = title, Text = text };
        d.Tags.AddRange(tags);
        return d;
    }

    /// <summary>12 FAQ-like documents; "card" documents carry the tag "cards", "transfer" ones "transfers".</summary>
    public static IReadOnlyList<Document> Documents() =>
    [
        Doc("card-lost", "Lost card", "I lost my card. Freeze the card in the app and order a new card.", "cards", "faq"),
        Doc("card-arrival", "Card arrival", "When will my new card arrive? Cards arrive within five working days.", "cards", "faq"),
        Doc("card-pin", "Change PIN", "You can change the PIN of your card at any cash machine.", "cards"),
        Doc("card-declined", "Card declined", "Your card payment was declined because the card is frozen.", "cards"),
        Doc("transfer-fee", "Transfer fee", "A transfer to another bank costs a small fee.", "transfers", "faq"),
        Doc("transfer-pending", "Pending transfer", "A pending transfer usually completes within one day.", "transfers"),
        Doc("transfer-failed", "Failed transfer", "Why did my transfer fail? Check the account number of the recipient.", "transfers"),
        Doc("exchange-rate", "Exchange rate", "We use the interbank exchange rate for currency conversion.", "currency"),
        Doc("top-up", "Top up", "Top up your account with a bank transfer or a card.", "topup"),
        Doc("refund", "Refund", "A refund from a merchant can take up to ten days.", "payments"),
        Doc("cash", "Cash withdrawal", "Cash withdrawal at an ATM is free up to a monthly limit.", "cash"),
        Doc("verify", "Verify identity", "To verify your identity upload a photo of your passport.", "account"),
    ];
}
