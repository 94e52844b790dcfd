using SemanticSearch.Model.Configuration;
using SemanticSearch.Model.Heads;

namespace SemanticSearch.Model.Tests;

public class HeadTests
{
    private static ClassifierHeadConfig Config(int dim = 3, int labels = 3, int? hidden = null, bool multi = false, double threshold = 0,
        HeadActivation act = HeadActivation.Relu, string fingerprint = "abc123abc123abc123") => new()
    {
        InputDimension = dim, LabelCount = labels, HiddenSize = hidden, MultiLabel = multi, Threshold = threshold,
        Activation = act, EncoderFingerprint = fingerprint,
    };

    /// <summary>A 3→3 linear head whose logits are exactly the embedding plus (0, 0, 1).</summary>
    private static ClassifierHead Identity(bool multi = false, double threshold = 0)
    {
        var head = ClassifierHead.CreateInitialized(Config(multi: multi, threshold: threshold), ["a", "b", "c"], seed: 1);
        Array.Clear(head.OutputWeight);
        head.OutputWeight[0] = head.OutputWeight[4] = head.OutputWeight[8] = 1;
        head.OutputBias[0] = 0; head.OutputBias[1] = 0; head.OutputBias[2] = 1;
        return head;
    }

    [Fact]
    public void Softmax_probabilities_match_a_hand_computation_and_sum_to_one()
    {
        var p = Identity().Probabilities([1f, 2f, 0f]); // logits 1, 2, 1
        double e1 = Math.Exp(1), e2 = Math.Exp(2), sum = 2 * e1 + e2;
        Assert.Equal(e1 / sum, p[0], 6);
        Assert.Equal(e2 / sum, p[1], 6);
        Assert.Equal(e1 / sum, p[2], 6);
        Assert.Equal(1.0, p.Sum(x => (double)x), 6);
        Assert.Equal("b", Identity().Predict([1f, 2f, 0f]).Label);
    }

    [Fact]
    public void Sigmoid_scores_each_label_independently_and_assign_all_above_the_threshold()
    {
        var head = Identity(multi: true, threshold: 0.6);
        var prediction = head.Predict([1f, -3f, 0f]); // logits 1, -3, 1
        Assert.Equal(1 / (1 + Math.Exp(-1)), prediction.Scores[0], 6);
        Assert.Equal(1 / (1 + Math.Exp(3)), prediction.Scores[1], 6);
        Assert.Equal(["a", "c"], prediction.Labels);
        Assert.Empty(head.Predict([-1f, -1f, -2f]).Labels);
    }

    [Fact]
    public void A_softmax_answer_below_the_threshold_is_unknown()
    {
        var confident = Identity(threshold: 0.5).Predict([0f, 5f, -1f]);
        Assert.Equal("b", confident.Label);
        var unsure = Identity(threshold: 0.5).Predict([1f, 1f, 0f]); // three equal logits → 1/3 each
        Assert.True(unsure.IsUnknown);
        Assert.Null(unsure.Label);
        Assert.Equal(1 / 3.0, unsure.ScoreOf("a"), 6);
    }

    [Theory]
    [InlineData(null, HeadActivation.Relu, false)]
    [InlineData(5, HeadActivation.Relu, false)]
    [InlineData(5, HeadActivation.Gelu, true)]
    public void Save_and_load_round_trip_is_bit_identical(int? hidden, HeadActivation act, bool multi)
    {
        using var dir = new TempDirectory();
        var head = ClassifierHead.CreateInitialized(Config(dim: 4, labels: 3, hidden: hidden, act: act, multi: multi, threshold: 0.37), ["x", "y", "z"], seed: 9);
        head.Save(dir.File("classifier"));
        var loaded = ClassifierHead.Load(dir.File("classifier"));
        Assert.Equal(head.Config, loaded.Config);
        Assert.Equal(head.Labels, loaded.Labels);
        Assert.Equal(head.OutputWeight, loaded.OutputWeight);
        Assert.Equal(head.HiddenWeight, loaded.HiddenWeight);
        float[] x = [0.3f, -1.2f, 2.5f, 0.01f];
        Assert.Equal(head.Probabilities(x), loaded.Probabilities(x)); // exact float equality
        if (hidden is not null) Assert.Equal(hidden * 4, loaded.HiddenWeight!.Length);
    }

    [Fact]
    public void The_same_seed_initialises_the_same_head_and_another_seed_does_not()
    {
        var a = ClassifierHead.CreateInitialized(Config(), ["a", "b", "c"], 3);
        Assert.Equal(a.OutputWeight, ClassifierHead.CreateInitialized(Config(), ["a", "b", "c"], 3).OutputWeight);
        Assert.NotEqual(a.OutputWeight, ClassifierHead.CreateInitialized(Config(), ["a", "b", "c"], 4).OutputWeight);
        Assert.All(a.OutputWeight, w => Assert.InRange(w, -1 / Math.Sqrt(3), 1 / Math.Sqrt(3)));
    }

    [Fact]
    public void A_head_whose_input_dimension_differs_from_the_encoder_names_both()
    {
        using var dir = new TempDirectory();
        var encoder = TinyModels.Create(dir); // 16-dimensional embeddings
        var head = ClassifierHead.CreateInitialized(Config(dim: 8, fingerprint: encoder.Fingerprint), ["a", "b", "c"], 1);
        var e = Assert.Throws<ModelConfigException>(() => new SentenceClassifier(encoder, head, "m/classifier", "m"));
        Assert.Contains("8-dimensional", e.Message);
        Assert.Contains("produces 16", e.Message);
        Assert.Equal("input_dimension", e.Field);
    }

    [Fact]
    public void A_head_trained_on_another_encoder_is_refused_and_a_matching_one_classifies()
    {
        using var dir = new TempDirectory();
        var encoder = TinyModels.Create(dir, seed: 7);
        var other = TinyModels.Create(dir, seed: 8);
        var head = ClassifierHead.CreateInitialized(Config(dim: 16, fingerprint: other.Fingerprint), ["a", "b", "c"], 1);
        var e = Assert.Throws<ModelConfigException>(() => new SentenceClassifier(encoder, head));
        Assert.Equal("encoder_fingerprint", e.Field);

        encoder.Save(dir.File("model"));
        ClassifierHead.CreateInitialized(Config(dim: 16, fingerprint: encoder.Fingerprint), ["a", "b", "c"], 1).Save(dir.File("model/classifier"));
        var classifier = SentenceClassifier.Load(dir.File("model"));
        var predictions = classifier.Classify(["my card is lost", "how do i top up"]);
        Assert.Equal(2, predictions.Count);
        Assert.Equal(classifier.Head.Predict(encoder.Encode(["how do i top up"])[0]).Scores, predictions[1].Scores);
        // The head is not part of the embedding pipeline: the folder still loads as the same encoder.
        Assert.Equal(encoder.Fingerprint, SentenceEncoder.Load(dir.File("model")).Fingerprint);
    }

    [Fact]
    public void Damaged_head_files_give_errors_naming_file_and_field()
    {
        using var dir = new TempDirectory();
        string folder = dir.File("classifier");
        ClassifierHead.CreateInitialized(Config(), ["a", "b", "c"], 1).Save(folder);
        File.WriteAllText(Path.Combine(folder, "labels.json"), """{"id2label": {"0": "a", "1": 7, "2": "c"}}""");
        var e = Assert.Throws<ModelConfigException>(() => ClassifierHead.Load(folder));
        Assert.Contains("labels.json", e.Message);
        Assert.Equal("id2label.1", e.Field);

        File.WriteAllText(Path.Combine(folder, "labels.json"), """{"id2label": {"0": "a", "2": "c"}}""");
        Assert.Equal("id2label.1", Assert.Throws<ModelConfigException>(() => ClassifierHead.Load(folder)).Field);

        ClassifierHead.CreateInitialized(Config(), ["a", "b", "c"], 1).Save(folder);
        string config = File.ReadAllText(Path.Combine(folder, "config.json"));
        File.WriteAllText(Path.Combine(folder, "config.json"), config.Replace("\"softmax\"", "\"sigmoid\""));
        Assert.Equal("type", Assert.Throws<ModelConfigException>(() => ClassifierHead.Load(folder)).Field);
        File.WriteAllText(Path.Combine(folder, "config.json"), config.Replace("\"input_dimension\": 3", "\"input_dimension\": 4"));
        Assert.Equal("output.weight", Assert.Throws<ModelConfigException>(() => ClassifierHead.Load(folder)).Field);
    }
}
