using SemanticSearch.Model;
using SemanticSearch.Model.Heads;
using SemanticSearch.Training.Classification;
using SemanticSearch.Training.Data;
using Xunit.Abstractions;

namespace SemanticSearch.Training.Tests;

/// <summary>End-to-end and SetFit head training on a tiny random BERT (hidden 32, 2 layers), and the head's input gradient.</summary>
public class ClassifierTrainingModeTests(ITestOutputHelper output)
{
    private static readonly string[] Fillers =
        ["the", "a", "my", "your", "this", "that", "some", "any", "his", "her", "our", "their", "each", "every", "no", "one"];
    private static readonly string[][] FirstWords = [["red", "blue", "green"], ["cat", "dog", "cow"]];
    private static readonly string[][] SecondWords = [["river", "mountain", "forest"], ["table", "chair", "door"]];

    /// <summary>
    /// Label = (group of the first content word) XOR (group of the second). A random encoder with BERT's small init
    /// mean-pools nearly additive token features, and no linear head can read an XOR off a sum; training the encoder
    /// lets attention mix the two words so the pooled embedding carries their combination.
    /// </summary>
    private static List<LabeledText> XorTexts(int count, int seed)
    {
        var random = new Random(seed);
        var rows = new List<LabeledText>();
        for (int i = 0; i < count; i++)
        {
            int a = random.Next(2), b = random.Next(2);
            string text = $"{Fillers[random.Next(Fillers.Length)]} {FirstWords[a][random.Next(3)]} {Fillers[random.Next(Fillers.Length)]} {SecondWords[b][random.Next(3)]}";
            rows.Add(new LabeledText(text, [(a ^ b) == 1 ? "mixed" : "same"]));
        }
        return rows;
    }

    /// <summary>Two topics with disjoint vocabularies: separable even for a random encoder, so every mode must do well.</summary>
    private static List<LabeledText> TopicTexts(int count, int seed)
    {
        string[][] words = [["card", "lost", "stolen", "missing", "pin", "blocked"], ["rate", "exchange", "euro", "dollar", "currency", "fee"]];
        var random = new Random(seed);
        var rows = new List<LabeledText>();
        for (int i = 0; i < count; i++)
        {
            int c = i % 2;
            var text = string.Join(' ', Enumerable.Range(0, 3).Select(_ => random.Next(3) == 0 ? Fillers[random.Next(Fillers.Length)] : words[c][random.Next(6)]));
            rows.Add(new LabeledText(text, [c == 0 ? "card" : "money"]));
        }
        return rows;
    }

    private static double Accuracy(SentenceEncoder encoder, ClassifierHead head, IReadOnlyList<LabeledText> test)
    {
        var x = encoder.Encode(test.Select(t => t.Text).ToList());
        return test.Select((t, i) => head.Predict(x[i]).Labels.SequenceEqual(t.Labels) ? 1.0 : 0.0).Average();
    }

    private static TrainedHead Frozen(SentenceEncoder encoder, List<LabeledText> train, LabelSpace space, int epochs = 40) =>
        FrozenHeadTrainer.Train(encoder.Encode(train.Select(t => t.Text).ToList()), space, space.SingleTargets(train), null, encoder.Fingerprint,
            new HeadTrainingOptions { Epochs = epochs, LearningRate = 0.05, Seed = 3 });

    private static readonly EncoderTrainingOptions FastEncoder = new() { EncoderLearningRate = 2e-3, HiddenDropout = 0, AttentionDropout = 0, WarmupRatio = 0.05 };

    [Fact]
    public void End_to_end_learns_a_task_the_frozen_random_encoder_cannot_separate()
    {
        var train = XorTexts(480, 1);
        var test = XorTexts(200, 2);
        var space = LabelSpace.FromTrainingData(train, false, "xor");
        var encoder = LoopRealGraphTests.TinyModel(4);
        double frozen = Accuracy(encoder, Frozen(encoder, train, space).Head, test);

        var trained = EndToEndTrainer.Train(encoder, train.Select(t => t.Text).ToList(), space, space.SingleTargets(train), null,
            new HeadTrainingOptions { Epochs = 8, LearningRate = 1e-2, BatchSize = 16, Seed = 3 }, FastEncoder, null, TextWriter.Null);
        double endToEnd = Accuracy(encoder, trained.Head, test);
        output.WriteLine($"XOR task: frozen {frozen:P1}, end-to-end {endToEnd:P1}");
        Assert.True(frozen < 0.7, $"frozen head {frozen:P1}: the task was meant to be out of a linear probe's reach");
        Assert.True(endToEnd >= 0.9, $"end-to-end {endToEnd:P1} (frozen {frozen:P1})");
    }

    [Fact]
    public void Every_mode_clearly_beats_chance_on_separable_topics_and_end_to_end_is_seeded()
    {
        var train = TopicTexts(96, 1);
        var test = TopicTexts(60, 2);
        var space = LabelSpace.FromTrainingData(train, false, "topics");
        var frozenEncoder = LoopRealGraphTests.TinyModel(5);
        double frozen = Accuracy(frozenEncoder, Frozen(frozenEncoder, train, space).Head, test);

        var headOptions = new HeadTrainingOptions { Epochs = 3, LearningRate = 1e-2, BatchSize = 16, Seed = 3 };
        var e2eEncoder = LoopRealGraphTests.TinyModel(5);
        var validation = new TextValidationSet(test.Select(t => t.Text).ToList(), test.Select(t => t.Labels).ToList());
        var e2e = EndToEndTrainer.Train(e2eEncoder, train.Select(t => t.Text).ToList(), space, space.SingleTargets(train), null, headOptions,
            FastEncoder with { EvalSteps = 4 }, validation, TextWriter.Null);
        double endToEnd = Accuracy(e2eEncoder, e2e.Head, test);
        Assert.Contains(e2e.History, h => h.ValidationMacroF1 is not null);

        var again = LoopRealGraphTests.TinyModel(5);
        var e2eAgain = EndToEndTrainer.Train(again, train.Select(t => t.Text).ToList(), space, space.SingleTargets(train), null, headOptions,
            FastEncoder with { EvalSteps = 4 }, validation, TextWriter.Null);
        Assert.Equal(e2eEncoder.Fingerprint, again.Fingerprint);
        Assert.Equal(e2e.Head.OutputWeight, e2eAgain.Head.OutputWeight);

        var setFitEncoder = LoopRealGraphTests.TinyModel(5);
        var pairs = SetFitBodyTrainer.GeneratePairs(train.Select(t => t.Text).ToList(), space.SingleTargets(train), 2, 0, 3);
        string work = LoopTestData.TempDirectory();
        SetFitBodyTrainer.Train(setFitEncoder, pairs, headOptions, FastEncoder with { SetFitBatchSize = 16 }, work, TextWriter.Null);
        Assert.NotEqual(LoopRealGraphTests.TinyModel(5).Fingerprint, setFitEncoder.Fingerprint);
        double setFit = Accuracy(setFitEncoder, Frozen(setFitEncoder, train, space).Head, test);
        output.WriteLine($"topics: frozen {frozen:P1}, end-to-end {endToEnd:P1}, setfit {setFit:P1}");
        foreach (var (mode, accuracy) in new[] { ("frozen", frozen), ("end-to-end", endToEnd), ("setfit", setFit) })
            Assert.True(accuracy >= 0.85, $"{mode}: {accuracy:P1} (chance is 50 %)");
    }

    [Fact]
    public void SetFit_pairs_are_same_label_positives_and_other_label_negatives()
    {
        string[] texts = ["a1", "a2", "a3", "b1", "b2", "c1"];
        int[] labels = [0, 0, 0, 1, 1, 2];
        var pairs = SetFitBodyTrainer.GeneratePairs(texts, labels, iterations: 3, samplesPerClass: 0, seed: 7);
        Assert.Equal(3 * texts.Length * 2, pairs.Count);
        foreach (var p in pairs)
        {
            bool same = p.Sentence1[0] == p.Sentence2[0];
            Assert.Equal(same ? 1f : 0f, p.Score);
            if (p.Sentence1 != "c1" && p.Score == 1f) Assert.NotEqual(p.Sentence1, p.Sentence2); // a partner, not itself
        }
        Assert.Equal(pairs, SetFitBodyTrainer.GeneratePairs(texts, labels, 3, 0, 7));
        var capped = SetFitBodyTrainer.GeneratePairs(texts, labels, 1, samplesPerClass: 1, seed: 7);
        Assert.Equal(3 * 2, capped.Count);
        Assert.Throws<ArgumentException>(() => SetFitBodyTrainer.GeneratePairs(texts, [0, 0, 0, 0, 0, 0], 1, 0, 7));
    }

    [Theory]
    [InlineData(null, HeadActivation.Relu)]
    [InlineData(8, HeadActivation.Gelu)]
    public void Head_loss_gradient_with_respect_to_the_embedding_matches_finite_differences(int? hidden, HeadActivation activation)
    {
        const int d = 6, rows = 3;
        var labels = new[] { "x", "y", "z" };
        var head = ClassifierHead.CreateInitialized(new ClassifierHeadConfig
        {
            InputDimension = d, LabelCount = 3, HiddenSize = hidden, Activation = activation, EncoderFingerprint = "fp",
        }, labels, seed: 11);
        var random = new Random(2);
        var x = Enumerable.Range(0, rows).Select(_ => Enumerable.Range(0, d).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray()).ToArray();
        int[] targets = [0, 2, 1];
        float[] weights = [1f, 2f, 0.5f];
        int[] local = [0, 1, 2];
        var pass = new HeadBatchPass(head, rows);
        HeadBatchPass.Parameters(head, out var gradients);
        double Loss()
        {
            pass.Forward(x, local);
            return pass.Loss(local, targets, null, weights);
        }
        Loss();
        var dInput = new float[rows * d];
        pass.Backward(x, local, gradients, dInput);
        const float eps = 1e-2f;
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < d; j++)
            {
                float saved = x[r][j];
                x[r][j] = saved + eps; double plus = Loss();
                x[r][j] = saved - eps; double minus = Loss();
                x[r][j] = saved;
                double numeric = (plus - minus) / (2 * eps);
                Assert.True(Math.Abs(numeric - dInput[r * d + j]) < 1e-3 + 1e-2 * Math.Abs(numeric), $"row {r} dim {j}: analytic {dInput[r * d + j]}, numeric {numeric}");
            }
        Assert.Throws<ArgumentException>(() => pass.Forward([new float[d + 1]], [0]));
    }

    [Fact]
    public void Freeze_layers_leaves_the_embeddings_and_bottom_layers_bit_identical()
    {
        var train = TopicTexts(32, 1);
        var space = LabelSpace.FromTrainingData(train, false, "topics");
        var encoder = LoopRealGraphTests.TinyModel(6);
        var before = SnapshotWeights(encoder);
        EndToEndTrainer.Train(encoder, train.Select(t => t.Text).ToList(), space, space.SingleTargets(train), null,
            new HeadTrainingOptions { Epochs = 1, BatchSize = 8, Seed = 1 }, FastEncoder with { FreezeLayers = 1, WarmupRatio = 0 }, null, TextWriter.Null);
        var after = SnapshotWeights(encoder);
        int frozenChecked = 0, changed = 0;
        foreach (var (name, values) in before)
        {
            bool frozen = name.StartsWith("embeddings.", StringComparison.Ordinal) || name.StartsWith("encoder.layer.0.", StringComparison.Ordinal);
            if (frozen) { Assert.Equal(values, after[name]); frozenChecked++; }
            else if (!values.SequenceEqual(after[name])) changed++;
        }
        Assert.True(frozenChecked > 0 && changed > 0, $"{frozenChecked} frozen tensors checked, {changed} trained tensors changed");
        var e = Assert.Throws<ArgumentException>(() => EndToEndTrainer.Train(LoopRealGraphTests.TinyModel(6), train.Select(t => t.Text).ToList(), space,
            space.SingleTargets(train), null, new HeadTrainingOptions(), FastEncoder with { FreezeLayers = 3 }, null, TextWriter.Null));
        Assert.Contains("only 2 layers", e.Message);
    }

    /// <summary>Every weight tensor of the encoder by its Hugging Face name, copied.</summary>
    private static Dictionary<string, float[]> SnapshotWeights(SentenceEncoder encoder)
    {
        var graph = new Encoder.SentenceEncoderTrainingGraph(encoder, new Encoder.TrainingGraphOptions());
        return graph.Parameters.ToDictionary(p => p.Name, p => p.Values.ToArray());
    }

    [Fact]
    public void SetFit_refuses_one_label_per_text_violations_and_end_to_end_a_single_class()
    {
        var data = new[] { new LabeledText("x", ["a"]), new LabeledText("y", ["a"]) };
        Assert.Throws<TrainingDataException>(() => LabelSpace.FromTrainingData(data, false, "train.jsonl"));
        var train = TopicTexts(8, 1);
        var space = LabelSpace.FromTrainingData(train, false, "t");
        Assert.Throws<ArgumentException>(() => EndToEndTrainer.Train(LoopRealGraphTests.TinyModel(6), [], space, [], null,
            new HeadTrainingOptions(), FastEncoder, null, TextWriter.Null));
    }
}
