using System.Diagnostics;
using System.Text.Json;
using SemanticSearch.Model.Heads;

namespace SemanticSearch.Cli.Commands;

/// <summary>`semsearch classify`: labels texts with the head stored in a model folder.</summary>
public sealed class ClassifyCommand : ICliCommand
{
    public string Name => "classify";
    public string Summary => "label texts with a model folder's classifier head";
    public string Usage => """
        usage: semsearch classify --model DIR --input FILE --output FILE [--batch-size N]

          --model DIR     model folder with a head in DIR/classifier/ (from 'semsearch classifier train')
          --input FILE    JSON Lines {"id", "text"} or .txt (one text per line, id = line number)
          --output FILE   JSON Lines in input order: {"id", "label", "scores": {label: probability}} for a
                          one-label head ("label" is null = unknown when the best probability is below the
                          head's threshold), {"id", "labels": [...], "scores"} for a multi-label head.
                          Written aside and renamed, so a failed run leaves no partial file.
          --batch-size N  texts per forward pass (default 64)
        """;

    public int Run(CommandArgs args, TextWriter stdout, TextWriter stderr)
    {
        string modelDir = ModelLocation.Resolve(args.RequiredString("model"));
        string input = args.RequiredString("input");
        string output = args.RequiredString("output");
        int batchSize = args.Int("batch-size", 64, min: 1, max: 65536);
        args.EnsureAllUsed();
        var records = ClassifyInputReader.Read(input);
        var classifier = SentenceClassifier.Load(modelDir);
        var clock = Stopwatch.StartNew();
        var predictions = classifier.Classify(records.Select(r => r.Text).ToList(), batchSize);
        double seconds = clock.Elapsed.TotalSeconds;
        // Written beside the target and renamed: an existing output survives a failed run intact.
        string partial = output + $".partial-{Environment.ProcessId}";
        try
        {
            using (var stream = new FileStream(partial, FileMode.Create, FileAccess.Write))
            using (var json = new Utf8JsonWriter(stream))
            {
                for (int i = 0; i < records.Count; i++)
                {
                    WritePrediction(json, records[i].Id, predictions[i], classifier.Head.Config.MultiLabel);
                    json.Flush();
                    json.Reset();
                    stream.WriteByte((byte)'\n');
                }
                stream.Flush(flushToDisk: true);
            }
            File.Move(partial, output, overwrite: true);
        }
        finally
        {
            if (File.Exists(partial)) File.Delete(partial);
        }
        int unknown = predictions.Count(p => p.IsUnknown);
        stderr.WriteLine($"classified {records.Count} texts in {seconds:F2} s ({records.Count / Math.Max(seconds, 1e-9):F1} texts/s); {unknown} with no label at threshold {classifier.Head.Config.Threshold:0.00}");
        return ExitCodes.Ok;
    }

    internal static void WritePrediction(Utf8JsonWriter json, string id, HeadPrediction prediction, bool multiLabel)
    {
        json.WriteStartObject();
        json.WriteString("id", id);
        if (multiLabel)
        {
            json.WriteStartArray("labels");
            foreach (var label in prediction.Labels) json.WriteStringValue(label);
            json.WriteEndArray();
        }
        else if (prediction.Label is null) json.WriteNull("label");
        else json.WriteString("label", prediction.Label);
        json.WriteStartObject("scores");
        for (int c = 0; c < prediction.LabelNames.Count; c++) json.WriteNumber(prediction.LabelNames[c], prediction.Scores[c]);
        json.WriteEndObject();
        json.WriteEndObject();
    }
}
