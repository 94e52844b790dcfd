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
//          [--setfit-iterations R] [--encoder-lr F] [--e2e-head-lr F] [--e2e-epochs N] [--datasets banking77,bitext]
//          [--validation] [--e2e-eval-steps N]
// --validation: every method trains on 90 % of the training data and is tuned on the other 10 % (BANKING77: the
// bundled sample's classifier-train / classifier-validation split; Bitext: 10 % of its training part) — early
// stopping and the best epoch for the heads, the "validation" column for choosing settings — so test stays unseen.
string data = Arg("--data") ?? "../shared/data";
string? model = Arg("--model");
int limit = int.Parse(Arg("--limit") ?? "0");
var modes = (Arg("--modes") ?? "frozen,end-to-end,setfit").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
var encoderOptions = new EncoderTrainingOptions
{
    EncoderLearningRate = double.Parse(Arg("--encoder-lr") ?? "1e-4", System.Globalization.CultureInfo.InvariantCulture),
    MaxSteps = int.Parse(Arg("--e2e-max-steps") ?? "0"),
    EvalSteps = int.Parse(Arg("--e2e-eval-steps") ?? "0"), // with --validation: also evaluate (and keep the best) every N steps
    SetFitSamplesPerClass = int.Parse(Arg("--setfit-samples-per-class") ?? "8"),
    SetFitIterations = int.Parse(Arg("--setfit-iterations") ?? "5"),
};
bool warmStart = args.Contains("--e2e-warm-start");
int e2eEpochs = int.Parse(Arg("--e2e-epochs") ?? "1");
double e2eHeadLr = double.Parse(Arg("--e2e-head-lr") ?? "1e-2", System.Globalization.CultureInfo.InvariantCulture);
const int seed = 42;
bool useValidation = args.Contains("--validation");
var selected = (Arg("--datasets") ?? "banking77,bitext").ToLowerInvariant().Split(',', StringSplitOptions.TrimEntries);
string sample = Arg("--sample") ?? "index/samples/banking77-faq"; // run from the repository root, as --data

var datasets = new List<(string Name, List<LabeledText> Train, List<LabeledText>? Validation, List<LabeledText> Test)>();
if (selected.Contains("banking77"))
{
    var bankingTest = Load(Path.Combine(data, "banking77/test.csv"), "text", "category");
    datasets.Add(useValidation
        ? ("BANKING77", LabeledTextReader.Read(Path.Combine(sample, "classifier-train.jsonl")).ToList(), LabeledTextReader.Read(Path.Combine(sample, "classifier-validation.jsonl")).ToList(), bankingTest)
        : ("BANKING77", Load(Path.Combine(data, "banking77/train.csv"), "text", "category"), null, bankingTest));
}
if (selected.Contains("bitext"))
{
    var bitext = Load(Path.Combine(data, "bitext-customer-service/customer-service.csv"), "utterance", "intent");
    new Random(seed).Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bitext));
    int cut = bitext.Count * 8 / 10, validationCut = useValidation ? cut * 9 / 10 : cut;
    datasets.Add(("Bitext", bitext[..validationCut], useValidation ? bitext[validationCut..cut] : null, bitext[cut..]));
}

string encoderName = model is null ? "" : Path.GetFileName(model.TrimEnd('/'));
Console.WriteLine("| data | method | encoder | validation accuracy | test accuracy | test macro-F1 | train s | classify texts/s |");
Console.WriteLine("|---|---|---|---|---|---|---|---|");
foreach (var (name, fullTrain, validationSet, fullTest) in datasets)
{
    var train = limit > 0 ? fullTrain.Take(limit).ToList() : fullTrain;
    var test = limit > 0 ? fullTest.Take(limit / 4).ToList() : fullTest;
    var space = LabelSpace.FromTrainingData(train, false, name);
    var gold = test.Select(t => t.Labels).ToList();
    var trainTexts = train.Select(t => t.Text).ToList();
    var testTexts = test.Select(t => t.Text).ToList();
    var validation = validationSet is null ? null : limit > 0 ? validationSet.Take(limit / 4).ToList() : validationSet;
    var validationGold = validation?.Select(t => t.Labels).ToList();
    var validationTexts = validation?.Select(t => t.Text).ToList();
    Console.Error.WriteLine($"{name}: {train.Count} train / {validation?.Count ?? 0} validation / {test.Count} test texts, {space.Labels.Count} labels");

    var clock = Stopwatch.StartNew();
    var tfidf = new TfidfLogisticRegression();
    tfidf.Fit(trainTexts, space.SingleTargets(train), space.Labels.Count, epochs: 10, learningRate: 0.01, batchSize: 64, seed);
    double trainSeconds = clock.Elapsed.TotalSeconds;
    clock.Restart();
    var predicted = test.Select(t => (IReadOnlyList<string>)[space.Labels[tfidf.Predict(t.Text)]]).ToList();
    double rate = test.Count / clock.Elapsed.TotalSeconds;
    double? tfidfValidation = validation is null ? null : ClassificationMetrics.Compute(space.Labels, validationGold!,
        validation.Select(t => (IReadOnlyList<string>)[space.Labels[tfidf.Predict(t.Text)]]).ToList(), false).Accuracy;
    Row(name, "TF-IDF (1-2 gram) + multinomial LR (AdamW, 10 epochs)", "—", tfidfValidation, ClassificationMetrics.Compute(space.Labels, gold, predicted, false), trainSeconds, rate);
    if (model is null) continue;

    // With validation data the frozen head runs up to 30 epochs and keeps the best by validation macro-F1.
    var frozenHead = new HeadTrainingOptions { Epochs = validation is null ? 20 : 30, Seed = seed };
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
                result = FrozenHead(encoder, trainTexts, space, train, frozenHead, validationTexts, validationGold);
                method = $"frozen encoder + linear head (AdamW lr 1e-2, {(validation is null ? "20 epochs" : $"best of ≤ 30 epochs by validation, epoch {result.BestEpoch}")})";
                break;
            case "end-to-end":
                var probe = warmStart ? FrozenHead(encoder, trainTexts, space, train, frozenHead, validationTexts, validationGold) : null;
                var trained = EndToEndTrainer.Train(encoder, trainTexts, space, space.SingleTargets(train), null,
                    new HeadTrainingOptions { Epochs = e2eEpochs, LearningRate = e2eHeadLr, BatchSize = 16, Seed = seed, Patience = 2 }, encoderOptions,
                    validation is null ? null : new TextValidationSet(validationTexts!, validationGold!), Console.Error, probe?.Head);
                result = new ClassifierHeadResult(trained.Head, trained.Seconds + (probe?.Seconds ?? 0), trained.BestEpoch);
                method = $"end-to-end{(warmStart ? " from the frozen head (linear probe, then fine-tune)" : "")}, {e2eEpochs} epoch{(e2eEpochs == 1 ? "" : "s")}{(encoderOptions.MaxSteps > 0 ? $" (≤ {encoderOptions.MaxSteps} steps)" : "")}{(validation is null ? "" : $", best by validation (epoch {trained.BestEpoch})")}, batch 16, lr encoder {encoderOptions.EncoderLearningRate:G2} / head {e2eHeadLr:G2}";
                break;
            case "setfit":
                var pairs = SetFitBodyTrainer.GeneratePairs(trainTexts, space.SingleTargets(train), encoderOptions.SetFitIterations, encoderOptions.SetFitSamplesPerClass, seed);
                string work = Path.Combine(Path.GetTempPath(), $"cls-bench-setfit-{Environment.ProcessId}");
                SetFitBodyTrainer.Train(encoder, pairs, frozenHead, encoderOptions, work, Console.Error);
                Directory.Delete(work, true);
                double bodySeconds = clock.Elapsed.TotalSeconds;
                var head = FrozenHead(encoder, trainTexts, space, train, frozenHead, validationTexts, validationGold);
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
        double? validationAccuracy = validation is null ? null : ClassificationMetrics.Compute(space.Labels, validationGold!,
            encoder.Encode(validationTexts!, 64).Select(x => (IReadOnlyList<string>)result.Head.Predict(x).Labels).ToList(), false).Accuracy;
        Row(name, method, encoderName, validationAccuracy, ClassificationMetrics.Compute(space.Labels, gold, headPredicted, false), seconds, rate);
    }
}

// Frozen mode: embed every training text once, then train the head on the cached embeddings.
static ClassifierHeadResult FrozenHead(SentenceEncoder encoder, List<string> texts, LabelSpace space, List<LabeledText> train, HeadTrainingOptions options,
    List<string>? validationTexts, List<IReadOnlyList<string>>? validationGold)
{
    var clock = Stopwatch.StartNew();
    var cache = new EmbeddingCache(encoder, 64);
    var x = cache.Embed(texts);
    var validation = validationTexts is null ? null : new HeadValidationSet(cache.Embed(validationTexts), validationGold!);
    Console.Error.WriteLine($"embedded {cache.Count} training and validation texts in {clock.Elapsed.TotalSeconds:F1} s");
    var trained = FrozenHeadTrainer.Train(x, space, space.SingleTargets(train), null, encoder.Fingerprint, options, validation);
    return new ClassifierHeadResult(trained.Head, clock.Elapsed.TotalSeconds, trained.BestEpoch);
}

static List<LabeledText> Load(string path, string textColumn, string labelColumn) =>
    IntentCsvReader.Read(path, textColumn, labelColumn).Select(u => new LabeledText(u.Text, [u.Intent])).ToList();

static void Row(string data, string method, string encoder, double? validationAccuracy, ClassificationMetrics m, double trainSeconds, double textsPerSecond) =>
    Console.WriteLine($"| {data} | {method} | {encoder} | {(validationAccuracy is double v ? v.ToString("P2") : "—")} | {m.Accuracy:P2} | {m.MacroF1:F4} | {trainSeconds:F1} | {textsPerSecond:F0} |");

string? Arg(string name)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

internal sealed record ClassifierHeadResult(SemanticSearch.Model.Heads.ClassifierHead Head, double Seconds, int BestEpoch = 0);
