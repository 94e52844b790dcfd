using SemanticSearch.Checkpoints;
using SemanticSearch.Model.Import;
using SemanticSearch.Tensors;
using SemanticSearch.Tokenization;

namespace SemanticSearch.Cli.Commands;

/// <summary>`semsearch model import --onnx FILE --vocab FILE --output DIR`: an ONNX export of BERT → a sentence-transformers folder.</summary>
public sealed class ModelImportCommand : ICliCommand
{
    public string Name => "model";
    public string Summary => "model import: an ONNX export of a BERT encoder as a sentence-transformers folder";
    public string Usage => """
        usage: semsearch model import --onnx FILE --vocab FILE --output DIR [--pooling mean|cls] [--no-normalize]
                                      [--max-seq-length N] [--query-prefix TEXT]

          --onnx FILE           ONNX export of a Hugging Face BertModel (torch.onnx); external-data files beside it are read
          --vocab FILE          its WordPiece vocab.txt (LF or CRLF); an uncased vocabulary turns on lower-casing
          --output DIR          the sentence-transformers folder to create (written aside and renamed: never half-written)
          --pooling MODE        mean (default) or cls
          --no-normalize        leave out the Normalize module (default: unit-length embeddings)
          --max-seq-length N    truncation length (default: the model's position count)
          --query-prefix TEXT   text put before queries only (search, FindSimilar by text, IR evaluation), never documents
        """;

    public int Run(CommandArgs args, TextWriter stdout, TextWriter stderr)
    {
        string onnx = args.RequiredString("onnx");
        string vocab = args.RequiredString("vocab");
        string output = args.RequiredString("output");
        string pooling = args.Choice("pooling", "mean", "mean", "cls");
        bool normalize = !args.Flag("no-normalize");
        int? maxSeqLength = args.Has("max-seq-length") ? args.Int("max-seq-length", 0, min: 2, max: 65536) : null;
        string? queryPrefix = args.String("query-prefix");
        ModelInitCommand.EnsureOnlySubcommandLeft(args, "import");
        if (!File.Exists(onnx)) throw new FileNotFoundException($"ONNX file not found: {onnx}", onnx);
        if (!File.Exists(vocab)) throw new FileNotFoundException($"vocabulary file not found: {vocab}", vocab);
        string full = Path.GetFullPath(output);
        if (File.Exists(full) || Directory.Exists(full) && Directory.EnumerateFileSystemEntries(full).Any())
            throw new CommandLineException($"--output {output} already exists; choose a new folder");
        string? parent = Path.GetDirectoryName(full);
        if (parent is not null && !Directory.Exists(parent)) throw new DirectoryNotFoundException($"parent folder of --output does not exist: {parent}");

        try
        {
            stderr.WriteLine($"reading {onnx} ...");
            var encoder = OnnxModelImport.FromFiles(onnx, vocab, new OnnxImportOptions
            {
                Pooling = pooling == "cls" ? PoolingMode.Cls : PoolingMode.Mean,
                Normalize = normalize,
                MaxSeqLength = maxSeqLength,
                QueryPrefix = queryPrefix,
            });
            if (Directory.Exists(full)) Directory.Delete(full); // empty
            AtomicDirectory.Replace(full, encoder.Save);
            var c = encoder.Transformer.Config;
            stdout.WriteLine($"wrote {output}: {c.NumHiddenLayers} layers, hidden {c.HiddenSize}, {c.NumAttentionHeads} heads, intermediate {c.IntermediateSize}, " +
                             $"vocab {c.VocabSize}, {encoder.Dimension}-dim {pooling} embeddings{(normalize ? " (normalized)" : "")}, max_seq_length {encoder.MaxSeqLength}" +
                             (encoder.QueryPrefix is null ? "" : $", query prefix \"{encoder.QueryPrefix}\"") + $"; fingerprint {encoder.Fingerprint}");
            return ExitCodes.Ok;
        }
        catch (Exception e) when (e is CheckpointFormatException or TokenizerFormatException)
        {
            stderr.WriteLine($"semsearch model import: error: {e.Message}");
            return ExitCodes.Failure;
        }
    }
}
