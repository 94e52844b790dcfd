using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using SemanticSearch.Model;
using SemanticSearch.Training.Evaluation;

// STS-benchmark helper for bench/sts/run.sh.
//   eval  --model DIR --split FILE.csv     Spearman (and Pearson) ×100 of cos(e1, e2) against the gold scores
//   pairs --split FILE.csv --output FILE   the split as `semsearch train --loss cosent` pairs (score / 5 in [0, 1])
// A split is the tab-separated STS-benchmark file: genre, file, year, id, score, sentence1, sentence2 (some rows carry
// extra source columns after sentence2; they are ignored).
string command = args.Length > 0 ? args[0] : "";
string split = Arg("--split") ?? throw new ArgumentException("--split FILE.csv is required");
var pairs = ReadSplit(split);
switch (command)
{
    case "eval":
        var encoder = SentenceEncoder.Load(Arg("--model") ?? throw new ArgumentException("--model DIR is required"));
        var clock = Stopwatch.StartNew();
        var result = new EmbeddingSimilarityEvaluator(pairs).Evaluate(texts => encoder.Encode(texts, 64));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Path.GetFileName(split)}\t{pairs.Count} pairs\tspearman {100 * result["spearman_cosine"]:F2}\tpearson {100 * result["pearson_cosine"]:F2}\t{clock.Elapsed.TotalSeconds:F1} s"));
        break;
    case "pairs":
        using (var writer = new StreamWriter(Arg("--output") ?? throw new ArgumentException("--output FILE is required")))
            foreach (var p in pairs)
                writer.WriteLine(new JsonObject { ["sentence1"] = p.Sentence1, ["sentence2"] = p.Sentence2, ["score"] = p.Score / 5 }.ToJsonString());
        Console.Error.WriteLine($"wrote {pairs.Count} pairs");
        break;
    default:
        Console.Error.WriteLine("usage: StsBench (eval --model DIR | pairs --output FILE) --split FILE.csv");
        return 2;
}
return 0;

static List<ScoredSentencePair> ReadSplit(string path)
{
    var pairs = new List<ScoredSentencePair>();
    int line = 0;
    foreach (string row in File.ReadLines(path))
    {
        line++;
        var fields = row.Split('\t');
        if (fields.Length < 7 || !double.TryParse(fields[4], NumberStyles.Float, CultureInfo.InvariantCulture, out double score))
            throw new FormatException($"{path}:{line}: expected genre, file, year, id, score, sentence1, sentence2 separated by tabs");
        pairs.Add(new ScoredSentencePair(fields[5], fields[6], score));
    }
    return pairs;
}

string? Arg(string name)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
