using SemanticSearch.Training.Classification;
using SemanticSearch.Training.Data;

namespace SemanticSearch.Training.Tests;

public class ClassificationTests
{
    private static IReadOnlyList<IReadOnlyList<string>> L(params string?[] labels) =>
        labels.Select(l => (IReadOnlyList<string>)(l is null ? Array.Empty<string>() : [l])).ToList();

    [Fact]
    public void Report_numbers_match_a_hand_computed_confusion_matrix()
    {
        // gold a a a b b c ; predicted a a b b unknown a
        var m = ClassificationMetrics.Compute(["a", "b", "c"], L("a", "a", "a", "b", "b", "c"), L("a", "a", "b", "b", null, "a"), multiLabel: false);
        Assert.Equal(3 / 6.0, m.Accuracy, 12);
        // a: tp 2 fp 1 fn 1 → P 2/3 R 2/3 ; b: tp 1 fp 1 fn 1 → P 1/2 R 1/2 ; c: tp 0 fp 0 fn 1 → 0, 0
        var a = m.PerClass.Single(c => c.Label == "a");
        Assert.Equal(2 / 3.0, a.Precision, 12);
        Assert.Equal(2 / 3.0, a.Recall, 12);
        Assert.Equal(3, a.Support);
        Assert.Equal(0.5, m.PerClass.Single(c => c.Label == "b").F1, 12);
        Assert.Equal((2 / 3.0 + 0.5 + 0) / 3, m.MacroF1, 12);
        Assert.Equal((3 * 2 / 3.0 + 2 * 0.5 + 0) / 6, m.WeightedF1, 12);
        Assert.Equal(1, m.UnknownCount);
        Assert.Equal(2, m.Matrix[0, 0]);
        Assert.Equal(1, m.Matrix[0, 1]);
        Assert.Equal(1, m.Matrix[1, 3]); // b → (unknown)
        Assert.Equal(1, m.Matrix[2, 0]);
        string csv = ClassificationReportWriter.FormatCsv(m);
        Assert.Equal("gold\\predicted,a,b,c,(unknown)\na,2,1,0,0\nb,0,1,0,1\nc,1,0,0,0\n", csv);
        Assert.Contains("macro avg", ClassificationReportWriter.FormatText(m));
        Assert.StartsWith("<svg", ClassificationReportWriter.FormatSvg(m));
    }

    [Fact]
    public void Gold_labels_unseen_in_training_are_reported_not_fatal()
    {
        var m = ClassificationMetrics.Compute(["a", "b"], L("a", "b", "zzz"), L("a", "b", "a"), multiLabel: false);
        Assert.Equal(["zzz"], m.UnseenLabels);
        var z = m.PerClass.Single(c => c.Label == "zzz");
        Assert.False(z.SeenInTraining);
        Assert.Equal(0, z.Recall);
        Assert.Contains("not seen in training", ClassificationReportWriter.FormatText(m));
    }

    [Fact]
    public void Multi_label_metrics_score_each_label_as_a_yes_no_decision()
    {
        IReadOnlyList<IReadOnlyList<string>> gold = [["a", "b"], ["b"]], predicted = [["a"], ["b", "c"]];
        var m = ClassificationMetrics.Compute(["a", "b", "c"], gold, predicted, multiLabel: true);
        Assert.Equal(0, m.Accuracy); // no exact set match
        Assert.Equal(0.5, m.PerClass.Single(c => c.Label == "b").Recall, 12);
        Assert.Equal(0, m.PerClass.Single(c => c.Label == "c").Precision, 12);
        Assert.Equal(1, m.Matrix[2, 1]); // c: one false positive
    }

    /// <summary>Four Gaussian blobs in 8 dimensions, one per class, well apart.</summary>
    private static (List<float[]> X, List<string> Y) Blobs(int perClass, int seed)
    {
        var random = new Random(seed);
        var x = new List<float[]>();
        var y = new List<string>();
        for (int c = 0; c < 4; c++)
            for (int i = 0; i < perClass; i++)
            {
                var v = new float[8];
                for (int d = 0; d < 8; d++) v[d] = (float)(random.NextDouble() - 0.5) * 0.8f + (d == c * 2 ? 2f : 0f);
                x.Add(v);
                y.Add("class" + c);
            }
        return (x, y);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(16)]
    public void Frozen_training_on_separable_data_reaches_high_accuracy_and_is_seeded(int? hidden)
    {
        var (x, y) = Blobs(40, 1);
        var (vx, vy) = Blobs(20, 2);
        var data = y.Select(l => new LabeledText("t", [l])).ToList();
        var space = LabelSpace.FromTrainingData(data, multiLabel: false, "mem");
        var options = new HeadTrainingOptions { HiddenSize = hidden, Epochs = 40, LearningRate = 0.05, Seed = 5, BalancedClassWeights = true };
        var validation = new HeadValidationSet(vx, vy.Select(l => (IReadOnlyList<string>)[l]).ToList());
        var trained = FrozenHeadTrainer.Train(x, space, space.SingleTargets(data), null, "fp", options, validation);
        Assert.True(trained.History[0].TrainLoss > trained.History[^1].TrainLoss);
        var predicted = vx.Select(v => (IReadOnlyList<string>)trained.Head.Predict(v).Labels).ToList();
        var m = ClassificationMetrics.Compute(trained.Head.Labels, validation.Gold, predicted, false);
        Assert.True(m.Accuracy >= 0.95, $"accuracy {m.Accuracy}");
        var again = FrozenHeadTrainer.Train(x, space, space.SingleTargets(data), null, "fp", options, validation);
        Assert.Equal(trained.Head.OutputWeight, again.Head.OutputWeight);
    }

    [Fact]
    public void Multi_label_training_learns_independent_labels()
    {
        var random = new Random(3);
        var x = new List<float[]>();
        var data = new List<LabeledText>();
        for (int i = 0; i < 200; i++)
        {
            bool p = random.Next(2) == 1, q = random.Next(2) == 1;
            x.Add([p ? 1.5f : -1.5f, q ? 1.5f : -1.5f, (float)random.NextDouble()]);
            var labels = new List<string>();
            if (p) labels.Add("p");
            if (q) labels.Add("q");
            if (!p && !q) labels.Add("none");
            data.Add(new LabeledText("t", labels));
        }
        var space = LabelSpace.FromTrainingData(data, multiLabel: true, "mem");
        var trained = FrozenHeadTrainer.Train(x, space, null, space.MultiTargets(data), "fp",
            new HeadTrainingOptions { MultiLabel = true, Epochs = 60, LearningRate = 0.05 });
        Assert.Equal(["p", "q"], trained.Head.Predict([1.5f, 1.5f, 0.5f]).Labels);
        Assert.Equal(["q"], trained.Head.Predict([-1.5f, 1.5f, 0.5f]).Labels);
    }

    [Fact]
    public void Threshold_selection_abstains_only_when_that_raises_macro_f1()
    {
        // Confident right answers, one unsure wrong answer: abstaining on it removes a false positive.
        var probabilities = new List<float[]> { new[] { 0.9f, 0.1f }, new[] { 0.1f, 0.9f }, new[] { 0.55f, 0.45f }, new[] { 0.2f, 0.8f } };
        var (threshold, f1) = ThresholdSelector.Choose(["a", "b"], probabilities, L("a", "b", "b", "b"), false);
        Assert.InRange(threshold, 0.56, 0.8);
        Assert.True(f1 > ClassificationMetrics.Compute(["a", "b"], L("a", "b", "b", "b"), L("a", "b", "a", "b"), false).MacroF1);
    }

    [Fact]
    public void One_class_only_is_refused()
    {
        var data = new[] { new LabeledText("x", ["a"]), new LabeledText("y", ["a"]) };
        var e = Assert.Throws<TrainingDataException>(() => LabelSpace.FromTrainingData(data, false, "train.jsonl"));
        Assert.Contains("only one class", e.Message);
        Assert.Contains("train.jsonl", e.Message);
    }

    [Fact]
    public void Label_files_with_mixed_types_empty_texts_or_missing_labels_name_the_line()
    {
        string path = Path.Combine(Path.GetTempPath(), $"cls-{Guid.NewGuid():N}.jsonl");
        try
        {
            File.WriteAllText(path, "{\"text\": \"a\", \"label\": \"x\"}\n{\"text\": \"b\", \"label\": 3}\n");
            var e = Assert.Throws<TrainingDataException>(() => LabeledTextReader.Read(path));
            Assert.Equal(2, e.Line);
            Assert.Contains("line 1 has string labels", e.Message);
            File.WriteAllText(path, "{\"text\": \"a\", \"label\": 1}\n\n{\"text\": \"  \", \"label\": 2}\n");
            Assert.Equal(3, Assert.Throws<TrainingDataException>(() => LabeledTextReader.Read(path)).Line);
            File.WriteAllText(path, "{\"text\": \"a\"}\n");
            Assert.Contains("\"label\" or \"labels\"", Assert.Throws<TrainingDataException>(() => LabeledTextReader.Read(path)).Message);
            File.WriteAllText(path, "{\"text\": \"a\", \"labels\": [1, 2]}\n{\"text\": \"b\", \"label\": 2}\n");
            var rows = LabeledTextReader.Read(path);
            Assert.Equal(["1", "2"], rows[0].Labels);
        }
        finally { File.Delete(path); }
    }
}
