using System.Diagnostics;
using SemanticSearch.Bench.Classification;
using SemanticSearch.Model;
using SemanticSearch.Training.Classification;
using SemanticSearch.Training.Data;

// Classification benchmark: BANKING77 (train → test) and Bitext (seeded 80/20 split); TF-IDF + logistic
// regression baseline, and the frozen-encoder head when --model DIR is given. Prints a Markdown table.
// usage: dotnet run -c Release --project bench/classification -- --data /work/shared/data [--model DIR] [--limit N]
string data = Arg("--data") ?? "../shared/data";
string? model = Arg("--model");
int limit = int.Parse(Arg("--limit") ?? "0");
const int seed = 42;

var datasets = new List<(string Name, List<LabeledText> Train, List<LabeledText> Test)>
{
    ("BANKING77", Load(Path.Combine(data, "banking77/train.csv"), "text", "category"), Load(Path.Combine(data, "banking77/test.csv"), "text", "category")),
};
var bitext = Load(Path.Combine(data, "bitext-customer-service/customer-service.csv"), "utterance", "intent");
new Random(seed).Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bitext));
int cut = bitext.Count * 8 / 10;
datasets.Add(("Bitext", bitext[..cut], bitext[cut..]));

var encoder = model is null ? null : SentenceEncoder.Load(model);
Console.WriteLine("| data | method | encoder | accuracy | macro-F1 | train s | classify texts/s |");
Console.WriteLine("|---|---|---|---|---|---|---|");
foreach (var (name, fullTrain, fullTest) in datasets)
{
    var train = limit > 0 ? fullTrain.Take(limit).ToList() : fullTrain;
    var test = limit > 0 ? fullTest.Take(limit / 4).ToList() : fullTest;
    var space = LabelSpace.FromTrainingData(train, false, name);
    var gold = test.Select(t => t.Labels).ToList();

    var clock = Stopwatch.StartNew();
    var tfidf = new TfidfLogisticRegression();
    tfidf.Fit(train.Select(t => t.Text).ToList(), space.SingleTargets(train), space.Labels.Count, epochs: 10, learningRate: 0.01, batchSize: 64, seed);
    double trainSeconds = clock.Elapsed.TotalSeconds;
    clock.Restart();
    var predicted = test.Select(t => (IReadOnlyList<string>)[space.Labels[tfidf.Predict(t.Text)]]).ToList();
    double rate = test.Count / clock.Elapsed.TotalSeconds;
    Row(name, "TF-IDF (1-2 gram) + multinomial LR (AdamW, 10 epochs)", "—", ClassificationMetrics.Compute(space.Labels, gold, predicted, false), trainSeconds, rate);

    if (encoder is null) continue;
    clock.Restart();
    var cache = new EmbeddingCache(encoder, 64);
    var trainX = cache.Embed(train.Select(t => t.Text).ToList());
    double embedSeconds = clock.Elapsed.TotalSeconds;
    var trained = FrozenHeadTrainer.Train(trainX, space, space.SingleTargets(train), null, encoder.Fingerprint, new HeadTrainingOptions { Epochs = 20, Seed = seed });
    clock.Restart();
    var testX = encoder.Encode(test.Select(t => t.Text).ToList(), 64);
    var headPredicted = testX.Select(x => (IReadOnlyList<string>)trained.Head.Predict(x).Labels).ToList();
    rate = test.Count / clock.Elapsed.TotalSeconds;
    Row(name, "frozen encoder + linear head (AdamW, 20 epochs)", $"{Path.GetFileName(model!.TrimEnd('/'))} (random weights, not trained)",
        ClassificationMetrics.Compute(space.Labels, gold, headPredicted, false), embedSeconds + trained.Seconds, rate);
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
