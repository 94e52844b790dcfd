using SemanticSearch.Tensors;
using SemanticSearch.Training.Data;
using SemanticSearch.Training.Encoder;
using SemanticSearch.Training.Pretraining;

namespace SemanticSearch.Cli.Commands;

/// <summary>`semsearch pretrain`: masked-language-model (continued) pretraining of any loaded BERT on a text corpus.</summary>
public sealed class PretrainCommand : ICliCommand
{
    public string Name => "pretrain";
    public string Summary => "masked-language-model pretraining of a BERT model on a text corpus";
    public string Usage => """
        usage: semsearch pretrain --model DIR --corpus FILE --output DIR [options]

          --model DIR           BERT to continue from (e.g. one written by `semsearch model init`); an MLM head saved in
                                it ("cls.predictions.*") is continued, otherwise one is initialized
          --corpus FILE         .txt (one text per line) or .jsonl ({"text": "..."} per line)
          --output DIR          model folder (loads with --model; keeps the MLM head for further pretraining),
                                plus metrics.jsonl and training-chart.svg
          --epochs N            passes over the corpus (default 1)
          --batch-size N        texts per step (default 32)
          --lr F                peak learning rate (default 1e-4), linear warm-up (--warmup-ratio, default 0.1) then decay
          --weight-decay F      AdamW decay, not on bias/LayerNorm (default 0.01)
          --max-grad-norm F     global gradient-norm clip (default 1; 0 = off)
          --max-seq-length N    truncate texts to N tokens (default: the model's)
          --mask-prob F         share of tokens to predict (default 0.15): 80% [MASK], 10% random, 10% unchanged;
                                [CLS]/[SEP]/[PAD] are never masked
          --dropout F           hidden and attention dropout (default 0.1)
          --seed N              batch order, masks, dropout (default 42)
          --checkpoint-steps N  resume checkpoint every N steps (default 100; 0 = only on Ctrl+C), in OUTPUT/checkpoints
                                (weights, AdamW moments, step, dropout position; replaced atomically, removed at the end)
          --resume              continue a killed or cancelled run in OUTPUT (same options, model and corpus); ends
                                bit-identical to an uninterrupted run
          --overwrite           replace an existing OUTPUT
          --threads N           compute threads (default: all cores)
        """;

    public int Run(CommandArgs args, TextWriter stdout, TextWriter stderr)
    {
        string modelDir = ModelLocation.Resolve(args.RequiredString("model"));
        string corpusPath = args.RequiredString("corpus");
        string output = args.RequiredString("output");
        int seed = args.Int("seed", 42, min: 0);
        var options = new PretrainOptions
        {
            OutputDirectory = output,
            Epochs = args.Int("epochs", 1, min: 1, max: 100_000),
            BatchSize = args.Int("batch-size", 32, min: 1, max: 1 << 20),
            LearningRate = args.Double("lr", 1e-4, min: 1e-12, max: 10),
            WarmupRatio = args.Double("warmup-ratio", 0.1, min: 0, max: 1),
            WeightDecay = args.Double("weight-decay", 0.01, min: 0, max: 10),
            MaxGradNorm = args.Double("max-grad-norm", 1.0, min: 0),
            MaskProbability = args.Double("mask-prob", 0.15, min: 1e-6, max: 1),
            Seed = seed,
            CheckpointSteps = args.Int("checkpoint-steps", 100, min: 0),
            Resume = args.Flag("resume"),
        };
        int? maxSeqLength = args.Has("max-seq-length") ? args.Int("max-seq-length", 0, min: 3, max: 65536) : null;
        double dropout = args.Double("dropout", 0.1, min: 0, max: 0.95);
        bool overwrite = args.Flag("overwrite");
        int threads = args.Int("threads", Environment.ProcessorCount, min: 1, max: 1024);
        args.EnsureAllUsed();
        if (options.Resume && overwrite) throw new CommandLineException("--resume and --overwrite exclude each other");

        try
        {
            var corpus = PretrainingCorpusReader.Read(corpusPath);
            if (options.BatchSize > corpus.Count)
                throw new CommandLineException($"--batch-size {options.BatchSize} is larger than the {corpus.Count} texts in {corpusPath}");
            ComputeThreads.Count = threads;
            var encoder = ModelLoading.Load(modelDir);
            OutputFolder.Prepare(output, overwrite, options.Resume, modelDir);
            var model = new BertMaskedLanguageModel(encoder, modelDir,
                new TrainingGraphOptions { HiddenDropout = (float)dropout, AttentionDropout = (float)dropout, Seed = (ulong)seed }, maxSeqLength);
            stderr.WriteLine($"pretraining on {corpus.Count} texts (max {model.MaxSeqLength} tokens), MLM head {(model.HeadLoaded ? "continued from the model" : "newly initialized")}");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            using var cancel = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cancel.Cancel(); };
            Console.CancelKeyPress += onCancel; // Ctrl+C: checkpoint and stop, resumable with --resume
            try
            {
                var result = new Pretrainer(model, corpus, options).Run(new TrainingProgressPrinter(stderr, "texts"), cancel.Token);
                if (result.Cancelled)
                {
                    stdout.WriteLine($"cancelled after {result.Step}/{result.TotalSteps} steps; continue with --resume (checkpoint in {output}/checkpoints)");
                    return ExitCodes.Failure;
                }
                stdout.WriteLine($"pretrained in {clock.Elapsed.TotalSeconds:F1} s; MLM loss first epoch {result.FirstEpochLoss:F4}, last epoch {result.LastEpochLoss:F4}; model in {output}");
                return ExitCodes.Ok;
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }
        }
        catch (TrainingDataException e)
        {
            stderr.WriteLine($"semsearch {Name}: error: {e.Message}");
            return ExitCodes.Failure;
        }
    }
}
