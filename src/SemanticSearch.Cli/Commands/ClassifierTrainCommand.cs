using SemanticSearch.Model.Heads;
using SemanticSearch.Training.Classification;
using SemanticSearch.Training.Data;

namespace SemanticSearch.Cli.Commands;

/// <summary>`semsearch classifier train`: trains a classification head (frozen encoder, end-to-end, or SetFit).</summary>
public sealed class ClassifierTrainCommand : ICliCommand
{
    public string Name => "classifier";
    public string Summary => "classifier train: train a classification head on a model's embeddings";
    public string Usage => """
        usage: semsearch classifier train --model DIR --data FILE --output DIR [--validation FILE]
                 [--mode frozen|end-to-end|setfit] [--multi-label] [--hidden N] [--activation relu|gelu]
                 [--epochs N] [--lr F] [--batch-size N] [--class-weights none|balanced] [--patience N] [--seed N]
                 [--encoder-lr F] [--freeze-layers N] [--warmup-ratio F] [--max-grad-norm F] [--eval-steps N]
                 [--max-steps N] [--probe-first] [--setfit-iterations R] [--setfit-samples-per-class K] [--setfit-batch-size N]
                 [--checkpoint-steps N] [--resume] [--text-column NAME] [--label-column NAME] [--unknown-label NAME] [--overwrite]

          --model DIR         sentence-transformers model folder (copied, never modified)
          --data FILE         JSON Lines {"text", "label"} or {"text", "labels": [...]}, or CSV with a header
          --output DIR        written as a copy of the model with the head in DIR/classifier/ (config.json,
                              labels.json, model.safetensors) and its evaluation (report.txt, report.json,
                              confusion.csv, confusion.svg); assembled aside and renamed into place
          --validation FILE   same format; early stopping on its macro-F1 and the "unknown" threshold are
                              chosen on it. Without it the report is on the training data.
          --unknown-label NAME  texts labelled NAME (in --data and --validation) belong to no intent: out of scope,
                              to be handed to a person. The head has no NAME class and learns to be unsure on them;
                              the "unknown" threshold is chosen on --validation (required, with NAME texts) to
                              maximize the mean of in-scope accuracy and out-of-scope recall, and the report adds
                              in-scope accuracy and out-of-scope precision and recall. Single-label only
          --mode frozen       (default) embeddings computed once, only the head learns: seconds after the encoding
          --mode end-to-end   encoder and head trained together on the head's cross-entropy; the output folder
                              holds the fine-tuned encoder. Defaults: --epochs 3, --lr 1e-3 (head), --batch-size 16
          --mode setfit       SetFit: contrastive fine-tuning of the encoder on label pairs (same label → cosine 1,
                              other label → 0; CosineSimilarityLoss, one pass), then a frozen-mode head on the new
                              embeddings; single-label only
          --encoder-lr F      encoder learning rate (end-to-end, setfit), default 2e-5
          --freeze-layers N   freeze the embeddings and the bottom N encoder layers (end-to-end, setfit)
          --warmup-ratio F    linear warm-up share of the steps, default 0.1;  --max-grad-norm F default 1 (0 = off)
          --eval-steps N      end-to-end: also evaluate on --validation every N steps (default: after each epoch)
          --probe-first       end-to-end: train a frozen-mode head first (lr 1e-2, 30 epochs) and start from it
                              ("linear probe, then fine-tune": better than a random head when training is short)
          --max-steps N       end-to-end: stop after N steps; setfit: use the first N batches of pairs (bounded runs)
          --setfit-iterations R       rounds of pair sampling, each giving every text a positive and a negative, default 5
          --setfit-samples-per-class K   at most K texts per label take part in pairs (default all); the head sees all
          --setfit-batch-size N       pairs per step of the contrastive stage, default 16
          --checkpoint-steps N  end-to-end, setfit: resume checkpoint every N steps (default 100; 0 = only on Ctrl+C)
                              in OUTPUT.checkpoint, replaced atomically, removed when the output is written.
                              End-to-end: encoder + head weights, both AdamW states, step, epoch, dropout position,
                              early-stopping best. Setfit: its contrastive stage's (the fine-tuning loop's checkpoint;
                              the head after it takes seconds and is retrained). Ctrl+C writes one and stops.
                              Frozen mode has none (seconds: not needed)
          --resume            end-to-end, setfit: continue a killed or cancelled run (same options, data and model;
                              a difference is refused and named); ends bit-identical to an uninterrupted run
          --multi-label       sigmoid head, several labels per text (default: softmax, one label)
          --hidden N          hidden layer of N units (Linear → activation → Linear); default: one linear layer
          --epochs N          default 30;  --lr F default 0.01;  --batch-size N default 32;  --patience N default 5
                              (patience counts evaluations; the best epoch's weights are kept)
          --class-weights     balanced = weight classes by n / (classes · count), for imbalanced data
          --seed N            default 42; the same seed and inputs give a bit-identical head
          --backend B, --device D   setfit's contrastive stage on managed (default) or torch (libtorch 2.10),
                              on cpu or cuda[:N] (cuda implies torch; needs the CUDA build, -p:TorchRuntime=cuda)
          --text-column, --label-column   CSV column / JSON field names (default text, label)
        """;

    public int Run(CommandArgs args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Positional.Count == 0 || args.Positional[0] != "train")
            throw new CommandLineException($"expected 'semsearch classifier train', got '{(args.Positional.Count == 0 ? "" : args.Positional[0])}'");
        if (args.Positional.Count > 1) throw new CommandLineException($"unexpected argument '{args.Positional[1]}'");
        var mode = args.Choice("mode", "frozen", "frozen", "end-to-end", "setfit") switch
        {
            "end-to-end" => ClassifierTrainingMode.EndToEnd,
            "setfit" => ClassifierTrainingMode.SetFit,
            _ => ClassifierTrainingMode.Frozen,
        };
        bool endToEnd = mode == ClassifierTrainingMode.EndToEnd;
        var backend = TrainingBackendOption.Parse(args);
        if (backend.Torch && mode != ClassifierTrainingMode.SetFit)
            throw new CommandLineException("--backend torch / --device cuda apply to --mode setfit only (end-to-end and frozen heads train on the managed engine)");
        var request = new ClassifierTrainingRequest
        {
            ModelFolder = ModelLocation.Resolve(args.RequiredString("model")),
            DataFile = args.RequiredString("data"),
            OutputFolder = args.RequiredString("output"),
            ValidationFile = args.String("validation"),
            TextColumn = args.String("text-column") ?? "text",
            LabelColumn = args.String("label-column") ?? "label",
            Overwrite = args.Flag("overwrite"),
            Mode = mode,
            UnknownLabel = args.String("unknown-label"),
            CheckpointSteps = args.Int("checkpoint-steps", 100, min: 0),
            Resume = args.Flag("resume"),
            Encoder = new EncoderTrainingOptions
            {
                EncoderLearningRate = args.Double("encoder-lr", 2e-5, min: 1e-12, max: 1),
                FreezeLayers = args.Int("freeze-layers", 0, min: 0, max: 1000),
                WarmupRatio = args.Double("warmup-ratio", 0.1, min: 0, max: 1),
                MaxGradNorm = args.Double("max-grad-norm", 1.0, min: 0, max: 1e9),
                EvalSteps = args.Int("eval-steps", 0, min: 0),
                MaxSteps = args.Int("max-steps", 0, min: 0),
                WarmStartHead = args.Flag("probe-first"),
                SetFitIterations = args.Int("setfit-iterations", 5, min: 1, max: 10000),
                SetFitSamplesPerClass = args.Int("setfit-samples-per-class", 0, min: 0),
                SetFitBatchSize = args.Int("setfit-batch-size", 16, min: 1, max: 1 << 16),
                SetFitBackend = backend.Torch ? backend.Create : null,
            },
            Options = new HeadTrainingOptions
            {
                MultiLabel = args.Flag("multi-label"),
                HiddenSize = args.Has("hidden") ? args.Int("hidden", 0, min: 1, max: 65536) : null,
                Activation = args.Choice("activation", "relu", "relu", "gelu") == "gelu" ? HeadActivation.Gelu : HeadActivation.Relu,
                Epochs = args.Int("epochs", endToEnd ? 3 : 30, min: 1, max: 100000),
                LearningRate = args.Double("lr", endToEnd ? 1e-3 : 1e-2, min: 1e-9, max: 10),
                BatchSize = args.Int("batch-size", endToEnd ? 16 : 32, min: 1, max: 1 << 20),
                BalancedClassWeights = args.Choice("class-weights", "none", "none", "balanced") == "balanced",
                Patience = args.Int("patience", 5, min: 1, max: 100000),
                Seed = args.Int("seed", 42),
            },
        };
        // Positional "train" was consumed above; EnsureAllUsed would reject it, so check options only.
        EnsureOnlyKnownOptions(args);
        if (request.Resume && request.Overwrite) throw new CommandLineException("--resume and --overwrite exclude each other");
        if (request.Resume && mode == ClassifierTrainingMode.Frozen)
            throw new CommandLineException("--resume applies to --mode end-to-end and setfit (frozen mode takes seconds and writes no checkpoints)");
        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancel.Cancel(); };
        Console.CancelKeyPress += onCancel; // Ctrl+C: end-to-end and setfit checkpoint and stop, resumable with --resume
        try
        {
            var result = ClassifierTrainingRun.Run(request, stderr, cancel.Token);
            var m = result.Evaluation;
            stdout.WriteLine($"wrote {Path.Combine(request.OutputFolder, ClassifierHead.DefaultFolderName)} (mode {ClassifierTrainingRun.ModeName(mode)})");
            stdout.WriteLine($"evaluated on {result.EvaluatedOn}{(result.OutOfScope is null ? "" : " (in-scope texts)")}: accuracy {m.Accuracy:F4}, macro-F1 {m.MacroF1:F4}, weighted-F1 {m.WeightedF1:F4}, unknown {m.UnknownCount}/{m.Count}");
            if (result.OutOfScope is { } oos)
                stdout.WriteLine($"out of scope (label {request.UnknownLabel}, threshold {oos.Threshold:0.00}): in-scope accuracy {oos.InScopeAccuracy:F4} ({oos.InScopeCount} texts), " +
                                 $"out-of-scope precision {oos.OutOfScopePrecision:F4}, recall {oos.OutOfScopeRecall:F4} ({oos.OutOfScopeCount} texts)");
            if (m.UnseenLabels.Count > 0) stdout.WriteLine($"labels in the evaluation data never seen in training: {string.Join(", ", m.UnseenLabels)}");
            return ExitCodes.Ok;
        }
        catch (TrainingDataException e)
        {
            stderr.WriteLine($"semsearch {Name}: error: {e.Message}");
            return ExitCodes.Failure;
        }
        catch (ClassifierTrainingCancelledException e)
        {
            stdout.WriteLine($"cancelled after {e.Step}/{e.TotalSteps} steps; continue with the same command plus --resume (checkpoint in {request.CheckpointFolder})");
            return ExitCodes.Failure;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    private static void EnsureOnlyKnownOptions(CommandArgs args)
    {
        try { args.EnsureAllUsed(); }
        catch (CommandLineException e) when (e.Message.StartsWith("unexpected argument", StringComparison.Ordinal)) { }
    }
}
