using SemanticSearch.Model.Heads;
using SemanticSearch.Training.Classification;
using SemanticSearch.Training.Data;

namespace SemanticSearch.Cli.Commands;

/// <summary>`semsearch classifier train`: trains a classification head on a frozen encoder.</summary>
public sealed class ClassifierTrainCommand : ICliCommand
{
    public string Name => "classifier";
    public string Summary => "classifier train: train a classification head on a model's embeddings";
    public string Usage => """
        usage: semsearch classifier train --model DIR --data FILE --output DIR [--validation FILE]
                 [--mode frozen] [--multi-label] [--hidden N] [--activation relu|gelu] [--epochs N] [--lr F]
                 [--batch-size N] [--class-weights none|balanced] [--patience N] [--seed N]
                 [--text-column NAME] [--label-column NAME] [--overwrite]

          --model DIR         sentence-transformers model folder (copied, never modified)
          --data FILE         JSON Lines {"text", "label"} or {"text", "labels": [...]}, or CSV with a header
          --output DIR        written as a copy of the model with the head in DIR/classifier/ (config.json,
                              labels.json, model.safetensors) and its evaluation (report.txt, report.json,
                              confusion.csv, confusion.svg); assembled aside and renamed into place
          --validation FILE   same format; early stopping on its macro-F1 and the "unknown" threshold are
                              chosen on it. Without it the report is on the training data.
          --mode frozen       embeddings computed once, head trained on them (the only mode available so far:
                              end-to-end and setfit need the encoder training graph wired into head training)
          --multi-label       sigmoid head, several labels per text (default: softmax, one label)
          --hidden N          hidden layer of N units (Linear → activation → Linear); default: one linear layer
          --epochs N          default 30;  --lr F default 0.01;  --batch-size N default 32;  --patience N default 5
          --class-weights     balanced = weight classes by n / (classes · count), for imbalanced data
          --seed N            default 42; the same seed and inputs give a bit-identical head
          --text-column, --label-column   CSV column / JSON field names (default text, label)
        """;

    public int Run(CommandArgs args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Positional.Count == 0 || args.Positional[0] != "train")
            throw new CommandLineException($"expected 'semsearch classifier train', got '{(args.Positional.Count == 0 ? "" : args.Positional[0])}'");
        if (args.Positional.Count > 1) throw new CommandLineException($"unexpected argument '{args.Positional[1]}'");
        string mode = args.Choice("mode", "frozen", "frozen", "end-to-end", "setfit");
        if (mode != "frozen")
            throw new CommandLineException($"--mode {mode} is not available yet: only the frozen mode is implemented (the encoder training graph is not wired into head training)");
        var request = new ClassifierTrainingRequest
        {
            ModelFolder = args.RequiredString("model"),
            DataFile = args.RequiredString("data"),
            OutputFolder = args.RequiredString("output"),
            ValidationFile = args.String("validation"),
            TextColumn = args.String("text-column") ?? "text",
            LabelColumn = args.String("label-column") ?? "label",
            Overwrite = args.Flag("overwrite"),
            Options = new HeadTrainingOptions
            {
                MultiLabel = args.Flag("multi-label"),
                HiddenSize = args.Has("hidden") ? args.Int("hidden", 0, min: 1, max: 65536) : null,
                Activation = args.Choice("activation", "relu", "relu", "gelu") == "gelu" ? HeadActivation.Gelu : HeadActivation.Relu,
                Epochs = args.Int("epochs", 30, min: 1, max: 100000),
                LearningRate = args.Double("lr", 1e-2, min: 1e-9, max: 10),
                BatchSize = args.Int("batch-size", 32, min: 1, max: 1 << 20),
                BalancedClassWeights = args.Choice("class-weights", "none", "none", "balanced") == "balanced",
                Patience = args.Int("patience", 5, min: 1, max: 100000),
                Seed = args.Int("seed", 42),
            },
        };
        // Positional "train" was consumed above; EnsureAllUsed would reject it, so check options only.
        EnsureOnlyKnownOptions(args);
        try
        {
            var result = ClassifierTrainingRun.Run(request, stderr);
            var m = result.Evaluation;
            stdout.WriteLine($"wrote {Path.Combine(request.OutputFolder, ClassifierHead.DefaultFolderName)}");
            stdout.WriteLine($"evaluated on {result.EvaluatedOn}: accuracy {m.Accuracy:F4}, macro-F1 {m.MacroF1:F4}, weighted-F1 {m.WeightedF1:F4}, unknown {m.UnknownCount}/{m.Count}");
            if (m.UnseenLabels.Count > 0) stdout.WriteLine($"labels in the evaluation data never seen in training: {string.Join(", ", m.UnseenLabels)}");
            return ExitCodes.Ok;
        }
        catch (TrainingDataException e)
        {
            stderr.WriteLine($"semsearch {Name}: error: {e.Message}");
            return ExitCodes.Failure;
        }
    }

    private static void EnsureOnlyKnownOptions(CommandArgs args)
    {
        try { args.EnsureAllUsed(); }
        catch (CommandLineException e) when (e.Message.StartsWith("unexpected argument", StringComparison.Ordinal)) { }
    }
}
