using SemanticSearch.Model;
using SemanticSearch.Model.Configuration;
using SemanticSearch.Tensors;
using SemanticSearch.Tokenization;

namespace SemanticSearch.Cli.Commands;

/// <summary>`semsearch model init`: a new BERT sentence encoder with BERT's random initialization, to pretrain or fine-tune from scratch.</summary>
public sealed class ModelInitCommand : ICliCommand
{
    public string Name => "model";
    public string Summary => "model init: write a randomly initialized BERT sentence encoder";
    public string Usage => """
        usage: semsearch model init --vocab FILE --output DIR [--layers N] [--hidden N] [--heads N] [--intermediate N]
                                    [--max-position N] [--max-seq-length N] [--pooling mean|cls|max] [--normalize]
                                    [--lowercase true|false] [--seed N] [--overwrite]

          --vocab FILE          WordPiece vocab.txt (e.g. ../shared/data/bert-base-uncased/vocab.txt); sets vocab_size
          --output DIR          sentence-transformers model folder to create (SentenceEncoder.Load / --model read it)
          --layers N            transformer layers (default 4)
          --hidden N            hidden size (default 256; must be a multiple of --heads)
          --heads N             attention heads (default 4)
          --intermediate N      feed-forward size (default 4 × hidden)
          --max-position N      position embeddings (default 512)
          --max-seq-length N    truncation length (default min(256, max-position))
          --pooling MODE        mean (default), cls or max
          --normalize           add a Normalize module (unit-length embeddings)
          --lowercase B         lower-case and strip accents before WordPiece (default true, for uncased vocabularies)
          --seed N              initialization seed (default 42); same seed and shape → same weights
          --overwrite           replace an existing output folder

        Weights follow BERT's initialization: N(0, 0.02) for linear weights and embeddings, zero biases, LayerNorm 1/0.
        """;

    public int Run(CommandArgs args, TextWriter stdout, TextWriter stderr)
    {
        string vocab = args.RequiredString("vocab");
        string output = args.RequiredString("output");
        int layers = args.Int("layers", 4, min: 1, max: 48);
        int hidden = args.Int("hidden", 256, min: 1, max: 8192);
        int heads = args.Int("heads", 4, min: 1, max: 256);
        int intermediate = args.Int("intermediate", 4 * hidden, min: 1, max: 65536);
        int maxPosition = args.Int("max-position", 512, min: 2, max: 65536);
        int maxSeqLength = args.Int("max-seq-length", Math.Min(256, maxPosition), min: 2, max: maxPosition);
        string pooling = args.Choice("pooling", "mean", "mean", "cls", "max");
        bool normalize = args.Flag("normalize");
        string lowercase = args.Choice("lowercase", "true", "true", "false");
        int seed = args.Int("seed", 42, min: 0);
        bool overwrite = args.Flag("overwrite");
        EnsureOnlySubcommandLeft(args, "init");
        if (hidden % heads != 0) throw new CommandLineException($"--hidden {hidden} must be a multiple of --heads {heads}");
        if (!File.Exists(vocab)) throw new FileNotFoundException($"vocabulary file not found: {vocab}", vocab);
        OutputFolder.Prepare(output, overwrite, resume: false);

        int vocabSize = WordPieceTokenizer.FromVocabFile(vocab).VocabSize;
        var config = new BertConfig
        {
            VocabSize = vocabSize, HiddenSize = hidden, NumHiddenLayers = layers, NumAttentionHeads = heads,
            IntermediateSize = intermediate, MaxPositionEmbeddings = maxPosition,
        };
        var options = new RandomModelOptions
        {
            Seed = seed,
            Pooling = [pooling switch { "cls" => PoolingMode.Cls, "max" => PoolingMode.Max, _ => PoolingMode.Mean }],
            Normalize = normalize,
            MaxSeqLength = maxSeqLength,
            TokenizerOptions = new TokenizerOptions { DoLowerCase = lowercase == "true" },
        };
        var encoder = RandomModelWriter.Write(output, vocab, config, options);
        long parameters = (long)(vocabSize + maxPosition + 2) * hidden + layers * (4L * hidden * hidden + 2L * hidden * intermediate);
        stdout.WriteLine($"wrote {output}: {layers} layers, hidden {hidden}, {heads} heads, intermediate {intermediate}, vocab {vocabSize}, " +
                         $"{encoder.Dimension}-dim {pooling} embeddings{(normalize ? " (normalized)" : "")}, ~{parameters / 1e6:F1}M parameters");
        return ExitCodes.Ok;
    }

    /// <summary>
    /// CommandArgs treats every bare word as an unexpected argument; here the first word is the sub-command, so accept
    /// exactly that word and still report unknown options.
    /// </summary>
    internal static void EnsureOnlySubcommandLeft(CommandArgs args, string subcommand)
    {
        if (args.Positional.Count == 0 || args.Positional[0] != subcommand)
            throw new CommandLineException($"expected 'semsearch model {subcommand}', got 'semsearch model {string.Join(" ", args.Positional)}'");
        if (args.Positional.Count > 1) throw new CommandLineException($"unexpected argument '{args.Positional[1]}'");
        try
        {
            args.EnsureAllUsed();
        }
        catch (CommandLineException e) when (e.Message.StartsWith("unexpected argument", StringComparison.Ordinal))
        {
            // EnsureAllUsed reports unknown options before positional words, so only the sub-command word is left.
        }
    }
}
