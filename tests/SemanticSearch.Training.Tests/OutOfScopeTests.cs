using SemanticSearch.Model.Heads;
using SemanticSearch.Training.Classification;
using SemanticSearch.Training.Data;

namespace SemanticSearch.Training.Tests;

/// <summary>`classifier train --unknown-label`: out-of-scope texts, the threshold chosen for them, and their report.</summary>
public class OutOfScopeTests
{
    [Fact]
    public void Metrics_match_a_hand_count()
    {
        // gold a, b, b, oos, oos, oos at threshold 0.6:
        //   a 0.9 → a (right)   b 0.7 → b (right)   b 0.55 → unknown (in-scope wrong)
        //   oos 0.5 → unknown (caught)   oos 0.58 → unknown (caught)   oos 0.8 → a (missed)
        var p = new List<float[]> { new[] { 0.9f, 0.1f }, new[] { 0.3f, 0.7f }, new[] { 0.45f, 0.55f }, new[] { 0.5f, 0.5f }, new[] { 0.42f, 0.58f }, new[] { 0.8f, 0.2f } };
        var m = OutOfScopeMetrics.Compute(["a", "b"], p, ["a", "b", "b", null, null, null], 0.6);
        Assert.Equal((3, 3), (m.InScopeCount, m.OutOfScopeCount));
        Assert.Equal(2 / 3.0, m.InScopeAccuracy, 12);
        Assert.Equal(2 / 3.0, m.OutOfScopeRecall, 12);   // 2 of the 3 out-of-scope texts answered unknown
        Assert.Equal(2 / 3.0, m.OutOfScopePrecision, 12); // 2 of the 3 unknown answers were out of scope
        // Threshold 0: nothing is unknown, so nothing out of scope is caught and precision has no answers (0).
        var open = OutOfScopeMetrics.Compute(["a", "b"], p, ["a", "b", "b", null, null, null], 0);
        Assert.Equal((1.0, 0.0, 0.0), (open.InScopeAccuracy, open.OutOfScopeRecall, open.OutOfScopePrecision));
    }

    [Fact]
    public void The_threshold_maximizes_the_mean_of_in_scope_accuracy_and_out_of_scope_recall()
    {
        // In-scope answers at 0.95 and 0.7 (both right), out-of-scope at 0.6 and 0.645: any threshold in (0.645, 0.7]
        // keeps every in-scope answer and refuses every out-of-scope text; the lowest such candidate is 0.65.
        var p = new List<float[]> { new[] { 0.95f, 0.05f }, new[] { 0.3f, 0.7f }, new[] { 0.6f, 0.4f }, new[] { 0.355f, 0.645f } };
        var m = OutOfScopeMetrics.ChooseThreshold(["a", "b"], p, ["a", "b", null, null]);
        Assert.Equal(0.65, m.Threshold, 9);
        Assert.Equal((1.0, 1.0, 1.0), (m.InScopeAccuracy, m.OutOfScopeRecall, m.OutOfScopePrecision));
        // Without out-of-scope validation texts there is nothing to choose it on.
        Assert.Throws<ArgumentException>(() => OutOfScopeMetrics.ChooseThreshold(["a", "b"], p, ["a", "b", "a", "b"]));
    }

    [Fact]
    public void The_unknown_label_is_no_class_and_its_texts_target_no_intent()
    {
        var data = new[] { new LabeledText("x", ["a"]), new LabeledText("y", ["oos"]), new LabeledText("z", ["b"]) };
        var space = LabelSpace.FromTrainingData(data, false, "train.jsonl", "oos");
        Assert.Equal(["a", "b"], space.Labels);
        Assert.Equal([0, LabelSpace.NoIntent, 1], space.SingleTargets(data));
        Assert.Equal([1f, 1f], space.BalancedWeights(space.SingleTargets(data))); // one text per intent; the out-of-scope one weighs nothing
        var e = Assert.Throws<TrainingDataException>(() => LabelSpace.FromTrainingData(data[..2], false, "train.jsonl", "oos"));
        Assert.Contains("besides the out-of-scope label \"oos\"", e.Message);
        Assert.Throws<ArgumentException>(() => LabelSpace.FromTrainingData(data, true, "train.jsonl", "oos"));
    }

    [Fact]
    public void Mixed_scope_loss_gradient_matches_finite_differences()
    {
        var head = ClassifierHead.CreateInitialized(new ClassifierHeadConfig { InputDimension = 3, LabelCount = 4, EncoderFingerprint = "fp" }, ["a", "b", "c", "d"], seed: 7);
        var x = new List<float[]> { new[] { 0.5f, -1f, 2f }, new[] { 1f, 0.2f, -0.3f }, new[] { -0.7f, 0.4f, 0.9f } };
        int[] targets = [2, LabelSpace.NoIntent, 0];
        int[] rows = [0, 1, 2];
        float[] weights = [1f, 2f, 0.5f, 1f];
        var pass = new HeadBatchPass(head, 3);
        double Loss() { pass.Forward(x, rows); return pass.Loss(rows, targets, null, weights); }
        Loss();
        var dLogits = pass.DLogits(3).ToArray();
        for (int c = 0; c < 4; c++)
        {
            double analytic = dLogits[c] + dLogits[4 + c] + dLogits[8 + c]; // dLoss/dBias_c
            float saved = head.OutputBias[c];
            head.OutputBias[c] = saved + 1e-3f;
            double up = Loss();
            head.OutputBias[c] = saved - 1e-3f;
            double down = Loss();
            head.OutputBias[c] = saved;
            Assert.Equal((up - down) / 2e-3, analytic, 3);
        }
        // An out-of-scope row alone: loss log C at equal logits, i.e. the uniform distribution is its optimum.
        Array.Clear(head.OutputWeight);
        Array.Clear(head.OutputBias);
        pass.Forward(x, [1]);
        Assert.Equal(Math.Log(4), pass.Loss([1], targets, null, []), 6);
        Assert.All(pass.DLogits(1).ToArray(), g => Assert.Equal(0, g, 6));
    }

    /// <summary>Four intents as Gaussian blobs along four axes of 8 dimensions; out-of-scope texts along the other four.</summary>
    private static (List<float[]> X, List<string> Y) Task(int perIntent, int outOfScope, int seed)
    {
        var random = new Random(seed);
        var x = new List<float[]>();
        var y = new List<string>();
        void Add(int axis, string label)
        {
            var v = new float[8];
            for (int d = 0; d < 8; d++) v[d] = (float)(random.NextDouble() - 0.5) * 0.6f;
            v[axis] += 2f;
            x.Add(v);
            y.Add(label);
        }
        for (int c = 0; c < 4; c++)
            for (int i = 0; i < perIntent; i++) Add(c, "intent" + c);
        for (int i = 0; i < outOfScope; i++) Add(4 + i % 4, "oos");
        return (x, y);
    }

    [Fact]
    public void On_a_task_with_a_known_answer_the_head_refuses_out_of_scope_texts_and_keeps_the_intents()
    {
        // Known answer: the intents and the out-of-scope region are disjoint, so a perfect detector exists.
        var (x, y) = Task(40, 40, 1);
        var (vx, vy) = Task(20, 20, 2);
        var (tx, ty) = Task(50, 50, 3);
        var data = y.Select(l => new LabeledText("t", [l])).ToList();
        var space = LabelSpace.FromTrainingData(data, false, "mem", "oos");
        var options = new HeadTrainingOptions { Epochs = 60, LearningRate = 0.05, Seed = 5, Patience = 60 };
        var inScopeValidation = Enumerable.Range(0, vx.Count).Where(i => vy[i] != "oos").ToList();
        var trained = FrozenHeadTrainer.Train(x, space, space.SingleTargets(data), null, "fp", options,
            new HeadValidationSet(inScopeValidation.Select(i => vx[i]).ToList(), inScopeValidation.Select(i => (IReadOnlyList<string>)[vy[i]]).ToList()));
        string? Gold(string label) => label == "oos" ? null : label;
        var chosen = OutOfScopeMetrics.ChooseThreshold(trained.Head.Labels, vx.Select(v => trained.Head.Probabilities(v)).ToList(), vy.Select(Gold).ToList());
        var test = OutOfScopeMetrics.Compute(trained.Head.Labels, tx.Select(v => trained.Head.Probabilities(v)).ToList(), ty.Select(Gold).ToList(), chosen.Threshold);
        Assert.True(chosen.Threshold > 0.3, $"threshold {chosen.Threshold}");
        Assert.True(test.InScopeAccuracy >= 0.95, $"in-scope accuracy {test.InScopeAccuracy}");
        Assert.True(test.OutOfScopeRecall >= 0.95, $"out-of-scope recall {test.OutOfScopeRecall}");
        Assert.True(test.OutOfScopePrecision >= 0.95, $"out-of-scope precision {test.OutOfScopePrecision}");
        // Threshold 0 (no unknown answers) catches none of them: the threshold is what does the work.
        Assert.Equal(0, OutOfScopeMetrics.Compute(trained.Head.Labels, tx.Select(v => trained.Head.Probabilities(v)).ToList(), ty.Select(Gold).ToList(), 0).OutOfScopeRecall);
    }
}
