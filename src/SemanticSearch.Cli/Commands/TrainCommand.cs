using System.Globalization;
using SemanticSearch.Tensors;
using SemanticSearch.Training.Data;
using SemanticSearch.Training.Encoder;
using SemanticSearch.Training.Loop;
using SemanticSearch.Training.Torch;

namespace SemanticSearch.Cli.Commands;

/// <summary>`semsearch train`: fine-tune a sentence encoder on pairs (or the FAQ recipe) with the FineTuner loop.</summary>
public sealed class TrainCommand : ICliCommand
{
    public string Name => "train";
    public string Summary => "fine-tune a sentence encoder on pairs or intent-labelled utterances";
    public string Usage => """
        usage: semsearch train --model DIR --output DIR (--pairs FILE | --recipe faq --intents FILE.csv) [options]

          --model DIR            model to start from (sentence-transformers or Hugging Face BERT folder)
          --output DIR           trained model folder (loads with --model), plus metrics.jsonl and training-chart.svg
          --pairs FILE           JSONL training pairs, one object per line, by loss:
                                   mnrl                {"anchor", "positive"[, "negative"]}
                                   cosent, cosine      {"sentence1", "sentence2", "score"}  score in [0, 1]
                                   contrastive         {"sentence1", "sentence2", "label"}  label 0 or 1
          --recipe faq --intents FILE.csv
                                 FAQ triples from a text,category CSV (e.g. BANKING77 train.csv): anchor, a same-intent
                                 positive, an other-intent hard negative; batches never mix two anchors of one intent
          --loss L               mnrl (default) | cosent | cosine | contrastive
          --matryoshka D,D,…     also train embedding prefixes of these sizes (e.g. 384,256,128,64)
          --epochs N             passes over the data (default 1)
          --batch-size N         examples per batch (default 32); must not exceed the data
          --mini-batch-size N    GradCache (CachedMNRL): activations for N rows at a time, same result as the full batch
          --grad-accum N         batches per optimizer step (default 1)
          --lr F                 peak learning rate (default 2e-5); --warmup-ratio F linear warm-up share (default 0.1)
          --weight-decay F       AdamW decay, not on bias/LayerNorm (default 0.01)
          --max-grad-norm F      global gradient-norm clip (default 1; 0 = off)
          --dropout F            hidden and attention dropout while training (default 0.1)
          --freeze-layers N      freeze the embeddings and the N lowest layers; --freeze-embeddings only the embeddings
          --eval PATH            evaluation before, every --eval-steps and after training:
                                   a folder → BEIR retrieval (corpus.jsonl {"_id","title"?,"text"}, queries.jsonl
                                   {"_id","text"}, qrels/test.tsv "query-id corpus-id score"); primary metric ndcg@10
                                   (--eval-metric to change, e.g. accuracy@1)
                                   a file   → scored pairs JSONL {"sentence1","sentence2","score" in [0,1]}; spearman
          --eval-steps N         evaluate and checkpoint every N optimizer steps (default: only before and after)
          --early-stopping N     stop after N evaluations without improvement and keep the best weights (needs --eval)
          --checkpoint-steps N   resume checkpoint every N steps (default 100); checkpoints live in OUTPUT/checkpoints
          --resume               continue a killed or cancelled run in OUTPUT (same options and data)
          --overwrite            replace an existing OUTPUT
          --seed N               data order, recipe, dropout (default 42); a run is reproducible for a thread count
          --threads N            compute threads (default: all cores)
        """ + "\n" + TrainingBackendOption.UsageLines;

    public int Run(CommandArgs args, TextWriter stdout, TextWriter stderr)
    {
        string modelDir = ModelLocation.Resolve(args.RequiredString("model"));
        string output = args.RequiredString("output");
        string? pairs = args.String("pairs");
        string? recipe = args.String("recipe");
        string? intents = args.String("intents");
        string lossName = args.Choice("loss", "mnrl", "mnrl", "cosent", "cosine", "contrastive");
        string? matryoshka = args.String("matryoshka");
        int seed = args.Int("seed", 42, min: 0);
        var loss = lossName switch { "cosent" => TrainingLossKind.CoSent, "cosine" => TrainingLossKind.Cosine, "contrastive" => TrainingLossKind.Contrastive, _ => TrainingLossKind.Mnrl };
        int batchSize = args.Int("batch-size", 32, min: 1, max: 1 << 20);
        var options = new FineTuneOptions
        {
            OutputDirectory = output,
            Loss = loss,
            MatryoshkaDims = matryoshka is null ? null : ParseDims(matryoshka),
            Epochs = args.Int("epochs", 1, min: 1, max: 100_000),
            BatchSize = batchSize,
            MiniBatchSize = args.Has("mini-batch-size") ? args.Int("mini-batch-size", batchSize, min: 1) : null,
            GradientAccumulation = args.Int("grad-accum", 1, min: 1, max: 1 << 16),
            LearningRate = args.Double("lr", 2e-5, min: 1e-12, max: 10),
            WarmupRatio = args.Double("warmup-ratio", 0.1, min: 0, max: 1),
            WeightDecay = args.Double("weight-decay", 0.01, min: 0, max: 10),
            MaxGradNorm = args.Double("max-grad-norm", 1.0, min: 0),
            FreezeLayers = args.Int("freeze-layers", 0, min: 0, max: 1000),
            FreezeEmbeddings = args.Flag("freeze-embeddings"),
            EvalSteps = args.Int("eval-steps", 0, min: 0),
            EarlyStoppingPatience = args.Int("early-stopping", 0, min: 0),
            CheckpointSteps = args.Int("checkpoint-steps", 100, min: 0),
            Seed = seed,
            Resume = args.Flag("resume"),
        };
        double dropout = args.Double("dropout", 0.1, min: 0, max: 0.95);
        string? evalPath = args.String("eval");
        string? evalMetric = args.String("eval-metric");
        bool overwrite = args.Flag("overwrite");
        int threads = args.Int("threads", Environment.ProcessorCount, min: 1, max: 1024);
        var backendOption = TrainingBackendOption.Parse(args);
        args.EnsureAllUsed();

        if ((pairs is null) == (recipe is null)) throw new CommandLineException("give either --pairs FILE or --recipe faq --intents FILE.csv");
        if (recipe is not null && recipe != "faq") throw new CommandLineException($"--recipe must be 'faq', got '{recipe}'");
        if (recipe is not null && intents is null) throw new CommandLineException("--recipe faq needs --intents FILE.csv (text,category)");
        if (recipe is null && intents is not null) throw new CommandLineException("--intents is only used with --recipe faq");
        if (recipe is not null && loss != TrainingLossKind.Mnrl) throw new CommandLineException("--recipe faq trains with --loss mnrl");
        if (options.EarlyStoppingPatience > 0 && evalPath is null) throw new CommandLineException("--early-stopping needs --eval");
        if (options.Resume && overwrite) throw new CommandLineException("--resume and --overwrite exclude each other");

        try
        {
            // Read everything that can be wrong before touching the output folder.
            var examples = recipe is not null
                ? TrainingExamples.FromIntentTriplets(IntentTripletRecipe.Build(IntentCsvReader.Read(intents!), seed))
                : ReadPairs(pairs!, loss);
            if (batchSize > examples.Count)
                throw new CommandLineException($"--batch-size {batchSize} is larger than the {examples.Count} training examples in {pairs ?? intents}");
            var evaluator = evalPath is null ? null : TrainingEvaluator.Load(evalPath, evalMetric);
            ComputeThreads.Count = threads;
            var encoder = ModelLoading.Load(modelDir);
            var graph = new TrainingGraphOptions { HiddenDropout = (float)dropout, AttentionDropout = (float)dropout, Seed = (ulong)seed };
            ITrainingBackend trainable;
            try { trainable = backendOption.Create(encoder, graph); }
            catch (TorchUnavailableException e) { throw new CommandLineException(e.Message); }
            OutputFolder.Prepare(output, overwrite, options.Resume, modelDir);

            stderr.WriteLine($"training {Path.GetFileName(Path.GetFullPath(modelDir))} ({encoder.Dimension} dims) on {examples.Count} examples, loss {lossName}" +
                             (evaluator is null ? "" : $", evaluating {evaluator.Description}") + $", on {trainable.Device}");
            using var cancel = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancel.Cancel(); };
            Console.CancelKeyPress += onCancel; // Ctrl+C: checkpoint and stop, resumable with --resume
            try
            {
                var result = new FineTuner(trainable, examples, options, evaluator).Run(new TrainingProgressPrinter(stderr, "examples"), cancel.Token);
                PrintSummary(result, evaluator, output, stdout);
                return result.Outcome == TrainingOutcome.Cancelled ? ExitCodes.Failure : ExitCodes.Ok;
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
                (trainable as IDisposable)?.Dispose();
            }
        }
        catch (TrainingDataException e)
        {
            stderr.WriteLine($"semsearch {Name}: error: {e.Message}");
            return ExitCodes.Failure;
        }
    }

    private static TrainingExamples ReadPairs(string path, TrainingLossKind loss) => loss switch
    {
        TrainingLossKind.Mnrl => TrainingExamples.FromAnchorPositive(PairFileReader.ReadAnchorPositive(path)),
        TrainingLossKind.Contrastive => TrainingExamples.FromLabelledPairs(PairFileReader.ReadLabelledPairs(path)),
        _ => TrainingExamples.FromScoredPairs(PairFileReader.ReadScoredPairs(path)),
    };

    private static int[] ParseDims(string text)
    {
        var dims = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
            dims.Add(int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int d) && d > 0
                ? d : throw new CommandLineException($"--matryoshka takes positive integers separated by commas, got '{text}'"));
        return dims.ToArray();
    }

    private static void PrintSummary(FineTuneResult result, TrainingEvaluator? evaluator, string output, TextWriter stdout)
    {
        stdout.WriteLine($"{result.Outcome.ToString().ToLowerInvariant()}: {result.Steps}/{result.TotalSteps} steps in {result.Elapsed.TotalSeconds:F1} s" +
                         (result.Outcome == TrainingOutcome.Cancelled ? $"; continue with --resume (checkpoint in {output}/checkpoints)" : $"; model in {output}"));
        if (evaluator is null || result.After is null) return;
        foreach (var (name, after) in result.After.Metrics)
        {
            if (name is not ("accuracy@1" or "accuracy@5" or "mrr@10" or "ndcg@10" or "recall@10" or "map@100" or "pearson_cosine" or "spearman_cosine")) continue;
            string before = result.Before is null ? "" : string.Create(CultureInfo.InvariantCulture, $"{result.Before[name]:F4} -> ");
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name,-16} {before}{after:F4}"));
        }
    }
}
