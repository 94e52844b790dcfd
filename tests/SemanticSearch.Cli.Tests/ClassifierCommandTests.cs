using System.Text.Json.Nodes;
using SemanticSearch.Model;
using SemanticSearch.Model.Configuration;

namespace SemanticSearch.Cli.Tests;

public sealed class ClassifierCommandTests : IDisposable
{
    private readonly IndexCliHarness _h = new();

    public void Dispose() => _h.Dispose();

    private string Model(string name, int seed)
    {
        var config = new BertConfig { VocabSize = 30522, HiddenSize = 32, NumHiddenLayers = 1, NumAttentionHeads = 4, IntermediateSize = 64, MaxPositionEmbeddings = 64 };
        string vocab = Path.Combine(IndexCliHarness.SharedData, "bert-base-uncased", "vocab.txt");
        RandomModelWriter.Write(_h.PathOf(name), vocab, config, new RandomModelOptions { Seed = seed, MaxSeqLength = 16, WeightStd = 0.5 });
        return _h.PathOf(name);
    }

    /// <summary>Two intents with disjoint vocabularies, so even a random encoder separates them.</summary>
    private string TrainingData(string name)
    {
        var rows = new List<object>();
        string[] card = ["my card is lost", "card stolen", "lost my card", "card missing", "i lost the card", "where is my card"];
        string[] rate = ["exchange rate dollars", "euro exchange rate", "rate for pounds", "what rate for yen", "dollars to euros rate", "exchange fee rate"];
        foreach (var t in card) rows.Add(new { text = t, label = "lost_card" });
        foreach (var t in rate) rows.Add(new { text = t, label = "exchange_rate" });
        return _h.WriteJsonl(name, rows);
    }

    [Fact]
    public void Train_then_classify_writes_one_folder_with_encoder_head_and_report()
    {
        string model = Model("model", 1), data = TrainingData("train.jsonl"), output = _h.PathOf("tagged");
        var train = IndexCliHarness.Run("classifier", "train", "--model", model, "--data", data, "--validation", data, "--output", output, "--epochs", "200", "--lr", "0.1", "--patience", "200", "--seed", "3");
        Assert.True(train.Code == 0, train.Err);
        foreach (var f in new[] { "modules.json", "model.safetensors", "classifier/config.json", "classifier/labels.json", "classifier/model.safetensors",
                     "classifier/report.txt", "classifier/report.json", "classifier/confusion.csv", "classifier/confusion.svg" })
            Assert.True(File.Exists(Path.Combine(output, f)), f);
        var report = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "classifier/report.json")))!;
        Assert.True(report["accuracy"]!.GetValue<double>() >= 0.9, train.Out + train.Err);
        // The copied encoder is the same encoder: the head is not in its embedding pipeline.
        Assert.Equal(SentenceEncoder.Load(model).Fingerprint, SentenceEncoder.Load(output).Fingerprint);

        string input = _h.WriteJsonl("in.jsonl", new object[] { new { id = "q1", text = "lost my card" }, new { id = 7, text = "euro exchange rate" } });
        var classify = IndexCliHarness.Run("classify", "--model", output, "--input", input, "--output", _h.PathOf("out.jsonl"));
        Assert.True(classify.Code == 0, classify.Err);
        var lines = File.ReadAllLines(_h.PathOf("out.jsonl")).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal("q1", lines[0]["id"]!.GetValue<string>());
        Assert.Equal("lost_card", lines[0]["label"]!.GetValue<string>());
        Assert.Equal("7", lines[1]["id"]!.GetValue<string>());
        Assert.Equal("exchange_rate", lines[1]["label"]!.GetValue<string>());
        double sum = lines[0]["scores"]!.AsObject().Sum(kv => kv.Value!.GetValue<double>());
        Assert.Equal(1.0, sum, 5);

        // Retraining into an existing folder needs --overwrite, and a refused run leaves it untouched.
        string before = File.ReadAllText(Path.Combine(output, "classifier/config.json"));
        var again = IndexCliHarness.Run("classifier", "train", "--model", model, "--data", data, "--output", output);
        Assert.Equal(1, again.Code);
        Assert.Contains("--overwrite", again.Err);
        Assert.Equal(before, File.ReadAllText(Path.Combine(output, "classifier/config.json")));
    }

    [Theory]
    [InlineData("end-to-end")]
    [InlineData("setfit")]
    [InlineData("setfit", "torch")] // the contrastive stage on libtorch (Training.Torch) through the same loop
    public void Modes_that_train_the_encoder_write_it_with_a_head_bound_to_it(string mode, string backend = "managed")
    {
        string model = Model("model", 1), data = TrainingData("train.jsonl"), output = _h.PathOf("tuned");
        string validation = _h.WriteJsonl("val.jsonl", new object[]
        {
            new { text = "my card was stolen", label = "lost_card" }, new { text = "dollar exchange rate", label = "exchange_rate" },
            new { text = "close my account", label = "close_account" },
        });
        var train = IndexCliHarness.Run("classifier", "train", "--mode", mode, "--model", model, "--data", data, "--validation", validation, "--output", output,
            "--epochs", mode == "setfit" ? "100" : "8", "--lr", mode == "setfit" ? "0.1" : "0.05", "--encoder-lr", "1e-3", "--batch-size", "4", "--patience", "100",
            "--setfit-iterations", "2", "--freeze-layers", "0", "--seed", "3", mode == "end-to-end" ? "--probe-first" : "--overwrite", "--backend", backend);
        Assert.True(train.Code == 0, train.Err);
        Assert.Contains($"mode {mode}", train.Out);
        if (mode == "end-to-end") Assert.Contains("linear probe trained", train.Err);
        Assert.Contains("never seen in training: close_account", train.Out);
        var report = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "classifier/report.json")))!;
        Assert.Equal(mode, report["context"]!["mode"]!.GetValue<string>());
        // The encoder in the output folder is the trained one, and the head is bound to exactly those weights:
        // SentenceClassifier.Load checks the fingerprint in classifier/config.json against the reloaded encoder.
        var reloaded = SentenceEncoder.Load(output);
        Assert.NotEqual(SentenceEncoder.Load(model).Fingerprint, reloaded.Fingerprint);
        Assert.Equal(reloaded.Fingerprint, JsonNode.Parse(File.ReadAllText(Path.Combine(output, "classifier/config.json")))!["encoder_fingerprint"]!.GetValue<string>());
        Assert.Equal(reloaded.Encode(["lost my card"])[0], SentenceEncoder.Load(output).Encode(["lost my card"])[0]);

        string input = _h.WriteJsonl("in.jsonl", new object[] { new { id = "q1", text = "lost my card" }, new { id = "q2", text = "euro exchange rate" } });
        var classify = IndexCliHarness.Run("classify", "--model", output, "--input", input, "--output", _h.PathOf("out.jsonl"));
        Assert.True(classify.Code == 0, classify.Err);
        var lines = File.ReadAllLines(_h.PathOf("out.jsonl")).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal("lost_card", lines[0]["label"]!.GetValue<string>());
        Assert.Equal("exchange_rate", lines[1]["label"]!.GetValue<string>());
    }

    [Fact]
    public void Unknown_label_texts_belong_to_no_intent_and_the_report_scores_them()
    {
        string model = Model("model", 1);
        var rows = new List<object>();
        foreach (var t in new[] { "my card is lost", "card stolen", "lost my card", "card missing", "i lost the card", "where is my card" }) rows.Add(new { text = t, label = "lost_card" });
        foreach (var t in new[] { "exchange rate dollars", "euro exchange rate", "rate for pounds", "what rate for yen", "dollars to euros rate", "exchange fee rate" }) rows.Add(new { text = t, label = "exchange_rate" });
        foreach (var t in new[] { "tell me a joke", "weather tomorrow", "who won the game", "play some music" }) rows.Add(new { text = t, label = "oos" });
        string data = _h.WriteJsonl("train.jsonl", rows), output = _h.PathOf("tagged");
        var train = IndexCliHarness.Run("classifier", "train", "--model", model, "--data", data, "--validation", data, "--output", output,
            "--unknown-label", "oos", "--epochs", "200", "--lr", "0.1", "--patience", "200", "--seed", "3");
        Assert.True(train.Code == 0, train.Err);
        Assert.Contains("out of scope (label oos, threshold", train.Out);
        var head = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "classifier/labels.json")))!["id2label"]!.AsObject();
        Assert.Equal(["exchange_rate", "lost_card"], head.Select(kv => kv.Value!.GetValue<string>()).Order()); // no "oos" class
        var report = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "classifier/report.json")))!;
        var oos = report["out_of_scope"]!;
        Assert.Equal((12, 4), (oos["in_scope_count"]!.GetValue<int>(), oos["out_of_scope_count"]!.GetValue<int>()));
        Assert.Equal(12, report["count"]!.GetValue<int>()); // the per-intent report covers the in-scope texts
        double threshold = oos["threshold"]!.GetValue<double>();
        Assert.Equal(threshold, JsonNode.Parse(File.ReadAllText(Path.Combine(output, "classifier/config.json")))!["threshold"]!.GetValue<double>());
        Assert.InRange(oos["out_of_scope_recall"]!.GetValue<double>(), 0, 1);
        Assert.Equal(report["accuracy"]!.GetValue<double>(), oos["in_scope_accuracy"]!.GetValue<double>(), 12);
        Assert.Contains("out-of-scope precision", File.ReadAllText(Path.Combine(output, "classifier/report.txt")));

        // The threshold is chosen on out-of-scope validation texts: without them (or without validation) it is refused.
        string noOos = TrainingData("val.jsonl");
        var r = IndexCliHarness.Run("classifier", "train", "--model", model, "--data", data, "--validation", noOos, "--output", _h.PathOf("o1"), "--unknown-label", "oos");
        Assert.Equal(1, r.Code);
        Assert.Contains("val.jsonl", r.Err);
        Assert.Contains("no text is labelled \"oos\"", r.Err);
        r = IndexCliHarness.Run("classifier", "train", "--model", model, "--data", data, "--output", _h.PathOf("o2"), "--unknown-label", "oos");
        Assert.Equal(1, r.Code);
        Assert.Contains("needs validation data", r.Err);
        r = IndexCliHarness.Run("classifier", "train", "--model", model, "--data", data, "--validation", data, "--output", _h.PathOf("o3"), "--unknown-label", "oos", "--multi-label");
        Assert.Equal(1, r.Code);
        Assert.Contains("single-label", r.Err);
        Assert.False(Directory.Exists(_h.PathOf("o1")) || Directory.Exists(_h.PathOf("o2")) || Directory.Exists(_h.PathOf("o3")));
    }

    [Fact]
    public void Bad_training_input_fails_clearly_and_writes_nothing()
    {
        string model = Model("model", 1);
        string oneClass = _h.WriteJsonl("one.jsonl", new object[] { new { text = "a", label = "x" }, new { text = "b", label = "x" } });
        var r = IndexCliHarness.Run("classifier", "train", "--model", model, "--data", oneClass, "--output", _h.PathOf("o1"));
        Assert.Equal(1, r.Code);
        Assert.Contains("only one class", r.Err);
        Assert.False(Directory.Exists(_h.PathOf("o1")));

        string mixed = _h.WriteJsonl("mixed.jsonl", new object[] { new { text = "a", label = "x" }, new { text = "b", label = 2 } });
        r = IndexCliHarness.Run("classifier", "train", "--model", model, "--data", mixed, "--output", _h.PathOf("o2"));
        Assert.Equal(1, r.Code);
        Assert.Contains("mixed.jsonl:2", r.Err);

        string empty = _h.WriteJsonl("empty.jsonl", new object[] { new { text = "a", label = "x" }, new { text = "", label = "y" } });
        r = IndexCliHarness.Run("classifier", "train", "--model", model, "--data", empty, "--output", _h.PathOf("o3"));
        Assert.Equal(1, r.Code);
        Assert.Contains("empty.jsonl:2", r.Err);
        Assert.Contains("empty", r.Err);

        string data = TrainingData("train.jsonl");
        r = IndexCliHarness.Run("classifier", "train", "--model", model, "--data", data, "--output", _h.PathOf("o4"), "--mode", "setfit", "--multi-label");
        Assert.Equal(1, r.Code);
        Assert.Contains("setfit needs one label per text", r.Err);
        r = IndexCliHarness.Run("classifier", "train", "--model", model, "--data", data, "--output", _h.PathOf("o5"), "--mode", "end-to-end", "--freeze-layers", "3");
        Assert.Equal(1, r.Code);
        Assert.Contains("only 1 layers", r.Err);
        r = IndexCliHarness.Run("classifier", "train", "--model", model, "--data", data, "--output", _h.PathOf("o6"), "--mode", "sideways");
        Assert.Equal(2, r.Code);
        Assert.False(Directory.Exists(_h.PathOf("o5")) || Directory.Exists(_h.PathOf("o6")));
        r = IndexCliHarness.Run("classifier", "fit", "--model", model);
        Assert.Equal(2, r.Code);
        Assert.Contains("semsearch classifier train", r.Err);
        Assert.False(Directory.Exists(_h.PathOf("o2")) || Directory.Exists(_h.PathOf("o3")) || Directory.Exists(_h.PathOf("o4")));
    }

    [Fact]
    public void Classify_refuses_empty_texts_and_a_head_from_another_encoder()
    {
        string model = Model("model", 1), data = TrainingData("train.jsonl"), output = _h.PathOf("tagged");
        Assert.Equal(0, IndexCliHarness.Run("classifier", "train", "--model", model, "--data", data, "--output", output, "--epochs", "2").Code);
        string bad = _h.WriteJsonl("in.jsonl", new object[] { new { id = "a", text = "fine" }, new { id = "b", text = " " } });
        File.WriteAllText(_h.PathOf("out.jsonl"), "previous results\n");
        var r = IndexCliHarness.Run("classify", "--model", output, "--input", bad, "--output", _h.PathOf("out.jsonl"));
        Assert.Equal(1, r.Code);
        Assert.Contains("in.jsonl:2", r.Err);
        Assert.Equal("previous results\n", File.ReadAllText(_h.PathOf("out.jsonl")));

        // A head copied next to a different encoder (other weights, other width) is refused, naming both.
        var config = new BertConfig { VocabSize = 30522, HiddenSize = 16, NumHiddenLayers = 1, NumAttentionHeads = 4, IntermediateSize = 32, MaxPositionEmbeddings = 64 };
        RandomModelWriter.Write(_h.PathOf("narrow"), Path.Combine(IndexCliHarness.SharedData, "bert-base-uncased", "vocab.txt"), config, new RandomModelOptions { Seed = 2, MaxSeqLength = 16 });
        Directory.CreateDirectory(_h.PathOf("narrow/classifier"));
        foreach (var f in Directory.GetFiles(Path.Combine(output, "classifier"))) File.Copy(f, Path.Combine(_h.PathOf("narrow/classifier"), Path.GetFileName(f)));
        string good = _h.WriteJsonl("good.jsonl", new object[] { new { id = "a", text = "fine" } });
        r = IndexCliHarness.Run("classify", "--model", _h.PathOf("narrow"), "--input", good, "--output", _h.PathOf("n.jsonl"));
        Assert.Equal(1, r.Code);
        Assert.Contains("32-dimensional", r.Err);
        Assert.Contains("produces 16", r.Err);
        Assert.False(File.Exists(_h.PathOf("n.jsonl")));
    }
}
