using System.Diagnostics;
using SemanticSearch.Bench.Classification;
using SemanticSearch.Model;
using SemanticSearch.Training.Classification;
using SemanticSearch.Training.Data;

// Classification benchmark: BANKING77 (official train → test) and Bitext (seeded 80/20 split); the TF-IDF + logistic
// regression baseline and, with --model DIR, heads in the three training modes (frozen, end-to-end, setfit), each
// starting from the same encoder. Prints a Markdown table (stdout) and progress (stderr).
// usage: dotnet bench/classification/bin/Release/net10.0/ClassificationBench.dll --data ../shared/data [--model DIR]
//          [--modes frozen,end-to-end,setfit] [--limit N] [--e2e-max-steps N] [--setfit-samples-per-class K]
//          [--setfit-iterations R] [--encoder-lr F] [--e2e-head-lr F] [--e2e-epochs N]
string data = Arg("--data") ?? "../shared/data";
string? model = Arg("--model");
int limit = int.Parse(Arg("--limit") ?? "0");
var modes = (Arg("--modes") ?? "frozen,end-to-end,setfit").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
var encoderOptions = new EncoderTrainingOptions
{
    EncoderLearningRate = double.Parse(Arg("--encoder-lr") ?? "1e-4", System.Globalization.CultureInfo.InvariantCulture),
    MaxSteps = int.Parse(Arg("--e2e-max-steps") ?? "0"),
    SetFitSamplesPerClass = int.Parse(Arg("--setfit-samples-per-class") ?? "8"),
    SetFitIterations = int.Parse(Arg("--setfit-iterations") ?? "5"),
};
bool warmStart = args.Contains("--e2e-warm-start");
int e2eEpochs = int.Parse(Arg("--e2e-epochs") ?? "1");
double e2eHeadLr = double.Parse(Arg("--e2e-head-lr") ?? "1e-2", System.Globalization.CultureInfo.InvariantCulture);
const int seed = 42;

var datasets = new List<(string Name, List<LabeledText> Train, List<LabeledText> Test)>
{
    ("BANKING77", Load(Path.Combine(data, "banking77/train.csv"), "text", "category"), Load(Path.Combine(data, "banking77/test.csv"), "text", "category")),
};
var bitext = Load(Path.Combine(data, "bitext-customer-service/customer-service.csv"), "utterance", "intent");
new Random(seed).Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bitext));
int cut = bitext.Count * 8 / 10;
datasets.Add(("Bitext", bitext[..cut], bitext[cut..]));

string encoderName = model is null ? "" : Path.GetFileName(model.TrimEnd('/'));
Console.WriteLine("| data | method | encoder | accuracy | macro-F1 | train s | classify texts/s |");
Console.WriteLine("|---|---|---|---|---|---|---|");
foreach (var (name, fullTrain, fullTest) in datasets)
{
    var train = limit > 0 ? fullTrain.Take(limit).ToList() : fullTrain;
    var test = limit > 0 ? fullTest.Take(limit / 4).ToList() : fullTest;
    var space = LabelSpace.FromTrainingData(train, false, name);
    var gold = test.Select(t => t.Labels).ToList();
    var trainTexts = train.Select(t => t.Text).ToList();
    var testTexts = test.Select(t => t.Text).ToList();
    Console.Error.WriteLine($"{name}: {train.Count} train / {test.Count} test texts, {space.Labels.Count} labels");

    var clock = Stopwatch.StartNew();
    var tfidf = new TfidfLogisticRegression();
    tfidf.Fit(trainTexts, space.SingleTargets(train), space.Labels.Count, epochs: 10, learningRate: 0.01, batchSize: 64, seed);
    double trainSeconds = clock.Elapsed.TotalSeconds;
    clock.Restart();
    var predicted = test.Select(t => (IReadOnlyList<string>)[space.Labels[tfidf.Predict(t.Text)]]).ToList();
    double rate = test.Count / clock.Elapsed.TotalSeconds;
    Row(name, "TF-IDF (1-2 gram) + multinomial LR (AdamW, 10 epochs)", "—", ClassificationMetrics.Compute(space.Labels, gold, predicted, false), trainSeconds, rate);
    if (model is null) continue;

    var frozenHead = new HeadTrainingOptions { Epochs = 20, Seed = seed };
    foreach (string mode in modes)
    {
        var encoder = SentenceEncoder.Load(model); // every mode starts from the same weights
        Console.Error.WriteLine($"{name}: mode {mode}");
        clock.Restart();
        ClassifierHeadResult result;
        string method;
        switch (mode)
        {
            case "frozen":
                result = FrozenHead(encoder, trainTexts, space, train, frozenHead);
                method = "frozen encoder + linear head (AdamW lr 1e-2, 20 epochs)";
                break;
            case "end-to-end":
                var probe = warmStart ? FrozenHead(encoder, trainTexts, space, train, frozenHead) : null;
                var trained = EndToEndTrainer.Train(encoder, trainTexts, space, space.SingleTargets(train), null,
                    new HeadTrainingOptions { Epochs = e2eEpochs, LearningRate = e2eHeadLr, BatchSize = 16, Seed = seed }, encoderOptions, null, Console.Error, probe?.Head);
                result = new ClassifierHeadResult(trained.Head, trained.Seconds + (probe?.Seconds ?? 0));
                method = $"end-to-end{(warmStart ? " from the frozen head (linear probe, then fine-tune)" : "")}, {e2eEpochs} epoch{(e2eEpochs == 1 ? "" : "s")}{(encoderOptions.MaxSteps > 0 ? $" (≤ {encoderOptions.MaxSteps} steps)" : "")}, batch 16, lr encoder {encoderOptions.EncoderLearningRate:G2} / head {e2eHeadLr:G2}";
                break;
            case "setfit":
                var pairs = SetFitBodyTrainer.GeneratePairs(trainTexts, space.SingleTargets(train), encoderOptions.SetFitIterations, encoderOptions.SetFitSamplesPerClass, seed);
                string work = Path.Combine(Path.GetTempPath(), $"cls-bench-setfit-{Environment.ProcessId}");
                SetFitBodyTrainer.Train(encoder, pairs, frozenHead, encoderOptions, work, Console.Error);
                Directory.Delete(work, true);
                double bodySeconds = clock.Elapsed.TotalSeconds;
                var head = FrozenHead(encoder, trainTexts, space, train, frozenHead);
                result = head with { Seconds = bodySeconds + head.Seconds };
                method = $"setfit: {pairs.Count} pairs ({encoderOptions.SetFitSamplesPerClass} texts/label × {encoderOptions.SetFitIterations} rounds, CosineSimilarityLoss, lr {encoderOptions.EncoderLearningRate:G2}), then frozen-mode head on all texts";
                break;
            default:
                throw new ArgumentException($"unknown mode {mode} (frozen, end-to-end, setfit)");
        }
        double seconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        var testX = encoder.Encode(testTexts, 64);
        var headPredicted = testX.Select(x => (IReadOnlyList<string>)result.Head.Predict(x).Labels).ToList();
        rate = test.Count / clock.Elapsed.TotalSeconds;
        Row(name, method, encoderName, ClassificationMetrics.Compute(space.Labels, gold, headPredicted, false), seconds, rate);
    }
}

// Frozen mode: embed every training text once, then train the head on the cached embeddings.
static ClassifierHeadResult FrozenHead(SentenceEncoder encoder, List<string> texts, LabelSpace space, List<LabeledText> train, HeadTrainingOptions options)
{
    var clock = Stopwatch.StartNew();
    var x = new EmbeddingCache(encoder, 64).Embed(texts);
    Console.Error.WriteLine($"embedded {texts.Count} training texts in {clock.Elapsed.TotalSeconds:F1} s");
    var trained = FrozenHeadTrainer.Train(x, space, space.SingleTargets(train), null, encoder.Fingerprint, options);
    return new ClassifierHeadResult(trained.Head, clock.Elapsed.TotalSeconds);
}

static List<LabeledText> Load(string path, string textColumn, string labelColumn) =>
    IntentCsvReader.Read(path, textColumn, labelColumn).Select(u => new LabeledText(u.Text, [u.Intent])).ToList();

static void Row(string data, string method, string encoder, ClassificationMetrics m, double trainSeconds, double textsPerSecond) =>
    Console.WriteLine($"| {data} | {method} | {encoder} | {m.Accuracy:P2} | {m.MacroF1:F4} | {trainSeconds:F1} | {textsPerSecond:F0} |");

string? Arg(string name)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

internal sealed record ClassifierHeadResult(SemanticSearch.Model.Heads.ClassifierHead Head, double Seconds);
