using System.Collections.Concurrent;
using SemanticSearch.Model.Configuration;
using SemanticSearch.Model.Forward;
using SemanticSearch.Model.Modules;
using SemanticSearch.Tensors;
using SemanticSearch.Tokenization;

namespace SemanticSearch.Model;

/// <summary>
/// A sentence-transformers model (Transformer → Pooling → optional Normalize) that turns texts into
/// fixed-size vectors. Sequences are packed without padding, so a text's embedding is bit-identical
/// whichever batch, order or thread count it is encoded with. Safe to call from several threads.
/// </summary>
public sealed class SentenceEncoder
{
    /// <summary>Most tokens packed into one forward pass; bounds activation memory for long texts.</summary>
    public const int TokenBudget = 8192;

    private const string PoolingFolder = "1_Pooling";
    private const string NormalizeFolder = "2_Normalize";

    private readonly TransformerModule _transformer;
    private readonly PoolingModule _pooling;
    private readonly NormalizeModule? _normalize;
    private readonly ConcurrentBag<EncoderWorkspace> _workspaces = new();
    private Lazy<string> _fingerprint;

    internal SentenceEncoder(TransformerModule transformer, PoolingModule pooling, NormalizeModule? normalize, string? queryPrefix = null)
    {
        if (queryPrefix is { Length: 0 }) queryPrefix = null;
        if (pooling.Config.WordEmbeddingDimension != transformer.Config.HiddenSize)
            throw new ArgumentException($"pooling word_embedding_dimension {pooling.Config.WordEmbeddingDimension} differs from hidden_size {transformer.Config.HiddenSize}");
        _transformer = transformer;
        _pooling = pooling;
        _normalize = normalize;
        QueryPrefix = queryPrefix;
        _fingerprint = new Lazy<string>(() => ModelFingerprint.Compute(this), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public WordPieceTokenizer Tokenizer => _transformer.Tokenizer;
    public int Dimension => _pooling.OutputDimension;
    public int MaxSeqLength => _transformer.MaxSeqLength;
    public bool Normalizes => _normalize is not null;

    /// <summary>
    /// Text put before every query and never before a document (config_sentence_transformers.json prompts.query, e.g.
    /// snowflake-arctic-embed's "Represent this sentence for searching relevant passages: "); null for symmetric models.
    /// Queries go through <see cref="EncodeQueries"/> / <see cref="QueryText"/>; <see cref="Encode"/> is for documents.
    /// </summary>
    public string? QueryPrefix { get; }

    /// <summary>The same model with another query prefix (null: none); weights are shared, the fingerprint differs.</summary>
    public SentenceEncoder WithQueryPrefix(string? queryPrefix) => new(_transformer, _pooling, _normalize, queryPrefix);

    /// <summary>The encoder's modules, for inspection, saving and training.</summary>
    public TransformerModule Transformer => _transformer;
    public PoolingModule Pooling => _pooling;

    /// <summary>
    /// sha256 (hex) over everything that determines outputs: weights, vocabulary, architecture, pooling,
    /// normalization, max_seq_length and lower-casing. Equal after <see cref="Save"/> and reload.
    /// Computed once, on first use: weights are treated as immutable once an encoder is built (training
    /// saves and reloads rather than serving from weights it is still changing).
    /// </summary>
    public string Fingerprint => Volatile.Read(ref _fingerprint).Value;

    /// <summary>
    /// Forgets the cached <see cref="Fingerprint"/>; call after changing weights in place (training updates the
    /// shared weight arrays), so the next read hashes the new weights.
    /// </summary>
    public void InvalidateFingerprint() =>
        Volatile.Write(ref _fingerprint, new Lazy<string>(() => ModelFingerprint.Compute(this), LazyThreadSafetyMode.ExecutionAndPublication));

    /// <summary>
    /// Loads a sentence-transformers folder (modules.json), or a plain Hugging Face BERT folder, which
    /// sentence-transformers runs as Transformer + mean pooling without normalization.
    /// </summary>
    public static SentenceEncoder Load(string modelDirectory)
    {
        if (!Directory.Exists(modelDirectory))
            throw new DirectoryNotFoundException($"model folder not found: {modelDirectory}");
        string manifestPath = Path.Combine(modelDirectory, ModuleManifest.FileName);
        if (!File.Exists(manifestPath))
        {
            if (!File.Exists(Path.Combine(modelDirectory, BertConfig.FileName)) && Checkpoints.CheckpointFolder.FindOnnxFile(modelDirectory) is null)
                throw new ModelConfigException(manifestPath, null, $"not a model folder: {modelDirectory} has neither {ModuleManifest.FileName}, {BertConfig.FileName} nor model.onnx / onnx/model.onnx");
            var plain = TransformerModule.Load(modelDirectory);
            return new SentenceEncoder(plain, new PoolingModule(PoolingConfig.Create(plain.Config.HiddenSize, new[] { PoolingMode.Mean })), null);
        }

        var manifest = ModuleManifest.Load(manifestPath);
        var transformer = TransformerModule.Load(Path.Combine(modelDirectory, manifest.Entries[0].Path));
        string poolingConfigPath = Path.Combine(modelDirectory, manifest.Entries[1].Path, PoolingConfig.FileName);
        var pooling = PoolingModule.Load(Path.GetDirectoryName(poolingConfigPath)!);
        if (pooling.Config.WordEmbeddingDimension != transformer.Config.HiddenSize)
            throw new ModelConfigException(poolingConfigPath, "word_embedding_dimension",
                $"{pooling.Config.WordEmbeddingDimension} differs from hidden_size {transformer.Config.HiddenSize} in config.json");
        var normalize = manifest.Entries.Count > 2 ? new NormalizeModule() : null;
        var prompts = SentenceTransformersConfig.LoadOrDefault(Path.Combine(modelDirectory, SentenceTransformersConfig.FileName));
        return new SentenceEncoder(transformer, pooling, normalize, prompts.QueryPrefix);
    }

    /// <summary>Writes the sentence-transformers layout with F32 weights; loading it back gives bit-identical outputs.</summary>
    public void Save(string directory)
    {
        Directory.CreateDirectory(directory);
        _transformer.Save(directory);
        _pooling.Save(Path.Combine(directory, PoolingFolder));
        var entries = new List<ModuleEntry>
        {
            new(0, "0", "", ModuleKind.Transformer),
            new(1, "1", PoolingFolder, ModuleKind.Pooling),
        };
        if (_normalize is not null)
        {
            _normalize.Save(Path.Combine(directory, NormalizeFolder));
            entries.Add(new ModuleEntry(2, "2", NormalizeFolder, ModuleKind.Normalize));
        }
        string promptsPath = Path.Combine(directory, SentenceTransformersConfig.FileName);
        if (QueryPrefix is not null) TransformerModule.WriteJson(promptsPath, new SentenceTransformersConfig(QueryPrefix).ToJson());
        else File.Delete(promptsPath); // saving over a folder with a prompt must not leave it behind
        // modules.json last: a folder with it is a complete model.
        TransformerModule.WriteJson(Path.Combine(directory, ModuleManifest.FileName), new ModuleManifest(entries).ToJson());
    }

    /// <summary>Token ids for each text, tokenized in parallel: [CLS] pieces [SEP], truncated to <see cref="MaxSeqLength"/>.</summary>
    public int[][] Tokenize(IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var ids = new int[texts.Count][];
        for (int i = 0; i < ids.Length; i++)
            if (texts[i] is null) throw new ArgumentNullException($"texts[{i}]");
        // On the compute threads (already awake between forward passes), in blocks of texts: Parallel.For woke
        // ThreadPool workers that then spun idle beside the encoder. Small inputs run inline (one block).
        const int TextsPerBlock = 64;
        int blocks = (ids.Length + TextsPerBlock - 1) / TextsPerBlock;
        ComputeThreads.For(blocks, block =>
        {
            for (int i = block * TextsPerBlock, end = Math.Min(ids.Length, i + TextsPerBlock); i < end; i++)
                ids[i] = _transformer.Tokenize(texts[i]);
        });
        return ids;
    }

    /// <summary>Embeds documents (and texts of symmetric tasks: similarity, classification): no query prefix.</summary>
    public float[][] Encode(IReadOnlyList<string> texts, int batchSize = 32) => EncodeIds(Tokenize(texts), batchSize);

    /// <summary>Embeds search queries: each text with <see cref="QueryPrefix"/> before it.</summary>
    public float[][] EncodeQueries(IReadOnlyList<string> queries, int batchSize = 32) => EncodeIds(TokenizeQueries(queries), batchSize);

    /// <summary>Token ids of queries, <see cref="QueryPrefix"/> included (see <see cref="Tokenize"/>).</summary>
    public int[][] TokenizeQueries(IReadOnlyList<string> queries)
    {
        ArgumentNullException.ThrowIfNull(queries);
        return QueryPrefix is null ? Tokenize(queries) : Tokenize(queries.Select(QueryText).ToArray());
    }

    /// <summary>What the model reads for a query: <see cref="QueryPrefix"/> + query.</summary>
    public string QueryText(string query)
    {
        ArgumentNullException.ThrowIfNull(query);
        return QueryPrefix is null ? query : QueryPrefix + query;
    }

    /// <summary>Embeds token id sequences that already include [CLS]/[SEP]; output[i] belongs to idSequences[i].</summary>
    public float[][] EncodeIds(IReadOnlyList<int[]> idSequences, int batchSize = 32)
    {
        ArgumentNullException.ThrowIfNull(idSequences);
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), $"batch size must be at least 1, got {batchSize}");
        int vocab = _transformer.Config.VocabSize;
        for (int i = 0; i < idSequences.Count; i++)
        {
            var ids = idSequences[i] ?? throw new ArgumentNullException($"idSequences[{i}]");
            if (ids.Length < 1 || ids.Length > MaxSeqLength)
                throw new ArgumentException($"idSequences[{i}] has {ids.Length} tokens; must be between 1 and max_seq_length {MaxSeqLength}");
            foreach (int id in ids)
                if ((uint)id >= (uint)vocab) throw new ArgumentException($"idSequences[{i}] contains token id {id}, outside the vocabulary [0, {vocab})");
        }

        var results = new float[idSequences.Count][];
        var batches = PlanBatches(idSequences, batchSize);
        int threads = ComputeThreads.Count;
        if (threads > 1 && batches.Count >= MinBatchesPerThreadForBatchParallelism * threads && !ComputeThreads.InsideRegion)
        {
            // Throughput mode: whole batches run side by side, one per compute thread, and the kernels
            // inside each run single-threaded (a region nested in a region runs inline). Splitting each
            // GEMM, LayerNorm and attention over the threads instead costs a barrier per operation and
            // shares the cores' caches: over 5,000 texts on 2 cores, 2 threads used 2.2 CPU-s more than 1
            // thread that way, and 0.3 CPU-s more this way (BENCHMARKS.md, encoding). Largest batches
            // first, so the last one handed out is short and the threads finish together. Embeddings
            // are bit-identical either way.
            var order = Enumerable.Range(0, batches.Count).OrderByDescending(b => batches[b].Tokens).ThenBy(b => b).ToArray();
            ComputeThreads.For(order.Length, i =>
            {
                var batch = batches[order[i]];
                if (!_workspaces.TryTake(out var own)) own = new EncoderWorkspace();
                try { RunBatch(own, idSequences, batch.Start, batch.End, batch.Tokens, results); }
                finally { _workspaces.Add(own); }
            });
            return results;
        }

        // Latency mode (one or a few batches: a query, a small upsert): each operation is split over the threads.
        if (!_workspaces.TryTake(out var ws)) ws = new EncoderWorkspace();
        try
        {
            foreach (var batch in batches) RunBatch(ws, idSequences, batch.Start, batch.End, batch.Tokens, results);
        }
        finally
        {
            _workspaces.Add(ws);
        }
        return results;
    }

    /// <summary>Batches run whole on one thread each only when every thread gets at least this many.</summary>
    private const int MinBatchesPerThreadForBatchParallelism = 4;

    private readonly record struct BatchRange(int Start, int End, int Tokens);

    // Consecutive sequences, closed at batchSize sequences or TokenBudget tokens, whichever comes first.
    private static List<BatchRange> PlanBatches(IReadOnlyList<int[]> idSequences, int batchSize)
    {
        var batches = new List<BatchRange>();
        int start = 0;
        while (start < idSequences.Count)
        {
            int end = start, tokens = 0;
            while (end < idSequences.Count && end - start < batchSize && (end == start || tokens + idSequences[end].Length <= TokenBudget))
                tokens += idSequences[end++].Length;
            batches.Add(new BatchRange(start, end, tokens));
            start = end;
        }
        return batches;
    }

    private void RunBatch(EncoderWorkspace ws, IReadOnlyList<int[]> idSequences, int start, int end, int tokens, float[][] results)
    {
        int sequences = end - start;
        var packed = EncoderWorkspace.Ensure(ref ws.PackedIds, tokens);
        var offsets = EncoderWorkspace.Ensure(ref ws.SeqOffsets, sequences + 1);
        offsets[0] = 0;
        for (int s = 0, t = 0; s < sequences; s++)
        {
            var ids = idSequences[start + s];
            ids.CopyTo(packed.Slice(t));
            t += ids.Length;
            offsets[s + 1] = t;
        }

        var hidden = _transformer.Encoder.Forward(ws, packed, offsets);
        ReadOnlySpan<float> sentences = _pooling.Forward(ws, hidden, offsets, _transformer.Config.HiddenSize);
        int dim = Dimension;
        if (_normalize is not null) sentences = _normalize.Forward(ws, sentences, sequences, dim);
        for (int s = 0; s < sequences; s++) results[start + s] = sentences.Slice(s * dim, dim).ToArray();
    }
}
