using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using SemanticSearch.Index.Embedding;
using SemanticSearch.Index.Reembedding;
using SemanticSearch.Service.Serving;

namespace SemanticSearch.Service.Jobs;

/// <summary>Another activation (of a different model) is running.</summary>
public sealed class ActivationConflictException(string message) : ServiceException(Grpc.Core.StatusCode.Aborted, message);

/// <summary>The activation cannot start in the index's current state (e.g. the model is already active).</summary>
public sealed class ActivationPreconditionException(string message) : ServiceException(Grpc.Core.StatusCode.FailedPrecondition, message);

/// <summary>What ActivateModel answers: the activation and what it will do.</summary>
public sealed record ActivationStart(JobRecord Activation, string PendingFingerprint, long Documents, int CurrentDimension, int NewDimension, bool Resumed);

/// <summary>
/// Runs model activations: one at a time, each on its own below-normal-priority thread, re-embedding
/// the served index through <see cref="IndexReembedder"/> in committed batches and then switching the
/// served index over with <see cref="ServedIndex.SwitchModelAsync"/>. Progress is a
/// <see cref="JobRecord"/> ("act-…": step = documents re-embedded, total = documents) persisted under
/// the index folder and streamed to watchers like a fine-tuning job. A shutdown leaves the staged
/// vectors and the pending model in the index; <see cref="ResumePending"/> continues them at the next
/// start under the same activation id. A cancelled or failed activation drops what it staged.
/// </summary>
public sealed class ActivationManager : IDisposable
{
    public const int BatchDocuments = 64;
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(1);

    private readonly object _gate = new();
    private readonly Dictionary<string, JobRecord> _records = new(StringComparer.Ordinal);
    private readonly JobWatchers _watchers = new();
    private readonly ServedIndex _index;
    private readonly JobStore _store;
    private readonly Func<string, ITextEncoder> _loadModel;
    private readonly Action<string> _onActivated;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _shutdown = new();
    private CancellationTokenSource? _cancelRunning;
    private JobRecord? _running;
    private Thread? _worker;

    /// <param name="loadModel">model folder → encoder (the production one loads a sentence-transformers folder)</param>
    /// <param name="onActivated">called with the new model folder after a switch-over (fine-tuning then starts from it)</param>
    public ActivationManager(ServedIndex index, JobStore store, Func<string, ITextEncoder> loadModel, Action<string> onActivated, ILogger logger)
    {
        _index = index; _store = store; _loadModel = loadModel; _onActivated = onActivated; _logger = logger;
        foreach (var record in store.LoadAll((file, e) => logger.LogWarning(e, "Skipping unreadable activation record {File}.", file)))
            _records[record.Id] = record;
    }

    public static string NewId() => "act-" + DateTime.UtcNow.ToString("yyyyMMddHHmmss") + "-" + Guid.NewGuid().ToString("N")[..8];

    public static bool IsActivationId(string id) => id.StartsWith("act-", StringComparison.Ordinal);

    /// <summary>
    /// Starts re-embedding the index with the model in <paramref name="modelPath"/> and returns at once.
    /// The same model while it is being activated returns the running activation.
    /// </summary>
    public ActivationStart Start(string modelPath, string description)
    {
        string path = Path.GetFullPath(modelPath);
        lock (_gate)
        {
            if (_running is { IsFinal: false } running)
            {
                if (running.OutputModel == path) return Describe(running, resumed: true);
                throw new ActivationConflictException($"activation {running.Id} of model '{running.OutputModel}' is running ({running.Step}/{running.TotalSteps} documents); wait for it or cancel it first");
            }
            if (!Directory.Exists(path)) throw new ServiceException(Grpc.Core.StatusCode.InvalidArgument, $"model folder '{path}' does not exist on the server");
            ITextEncoder encoder;
            try { encoder = _loadModel(path); }
            catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or InvalidOperationException or UnauthorizedAccessException or System.Text.Json.JsonException)
            {
                throw new ServiceException(Grpc.Core.StatusCode.InvalidArgument, $"the model folder cannot be loaded: {e.Message}", e);
            }
            IndexReembedder reembedder;
            try { reembedder = IndexReembedder.Open(_index.Directory, encoder, path); }
            catch (ReembedConflictException e) { throw new ActivationConflictException(e.Message); }
            catch (InvalidOperationException e) { throw new ActivationPreconditionException(e.Message); }
            var record = new JobRecord { Id = NewId(), Description = description, CreatedUtc = DateTime.UtcNow };
            return Launch(record, reembedder, encoder);
        }
    }

    /// <summary>Continues a re-embedding recorded in the index (the server stopped during it); call once at start-up.</summary>
    public void ResumePending()
    {
        var pending = IndexReembedder.ReadPending(_index.Directory);
        lock (_gate)
        {
            var interrupted = _records.Values.Where(r => r.Status == JobStatus.Running).ToList();
            JobRecord? record = pending is null ? null : interrupted.FirstOrDefault(r => r.OutputModel == pending.ModelPath);
            foreach (var r in interrupted.Where(r => r != record))
                Finish(r, JobStatus.Failed, "the server stopped while the activation was running");
            if (pending is null) return;
            record ??= new JobRecord { Id = NewId(), Description = "activation resumed after a restart", CreatedUtc = DateTime.UtcNow, OutputModel = pending.ModelPath };
            try
            {
                string path = pending.ModelPath ?? throw new InvalidOperationException("the pending model has no recorded folder");
                var encoder = _loadModel(path);
                if (encoder.Identity != pending.Identity)
                    throw new InvalidOperationException($"the model in '{path}' is now [{encoder.Identity.Describe()}], not the pending [{pending.Identity.Describe()}]");
                record.Message = "resumed after a server restart";
                Launch(record, IndexReembedder.Open(_index.Directory, encoder, path), encoder);
                _logger.LogInformation("Resumed activation {Activation} of model {Model}.", record.Id, path);
            }
            catch (Exception e)
            {
                // The index must not stay half-switched forever: drop the staged vectors, keep serving the current model.
                _logger.LogError(e, "Could not resume the pending activation of {Model}; abandoning it.", pending.ModelPath);
                AbandonPending(pending.Identity);
                record.StartedUtc ??= DateTime.UtcNow;
                _records[record.Id] = record;
                Finish(record, JobStatus.Failed, $"could not resume after a restart: {e.Message}");
            }
        }
    }

    public JobRecord? Find(string id)
    {
        lock (_gate) return _records.TryGetValue(id, out var r) ? r.Snapshot() : null;
    }

    public IReadOnlyList<JobRecord> List()
    {
        lock (_gate) return _records.Values.Select(r => r.Snapshot()).ToList();
    }

    /// <summary>Asks the running activation to stop and drop its staged vectors. Null for an unknown id.</summary>
    public JobRecord? Cancel(string id)
    {
        lock (_gate)
        {
            if (!_records.TryGetValue(id, out var r)) return null;
            if (!r.IsFinal && _running == r) _cancelRunning?.Cancel();
            return r.Snapshot();
        }
    }

    /// <summary>The current state at once, then every change; completes after the final state. Null for an unknown id.</summary>
    public ChannelReader<JobRecord>? Watch(string id, out Action unsubscribe)
    {
        unsubscribe = () => { };
        lock (_gate)
        {
            if (!_records.TryGetValue(id, out var r)) return null;
            return _watchers.Subscribe(r, out unsubscribe);
        }
    }

    /// <summary>Caller holds the lock.</summary>
    private ActivationStart Launch(JobRecord record, IndexReembedder reembedder, ITextEncoder encoder)
    {
        var progress = reembedder.Progress();
        int currentDimension = reembedder.Current?.Identity.Dimension ?? 0, newDimension = reembedder.Pending.Identity.Dimension;
        record.Status = JobStatus.Running;
        record.StartedUtc = DateTime.UtcNow;
        record.FinishedUtc = null;
        record.OutputModel = reembedder.Pending.ModelPath;
        record.Step = record.StartStep = progress.DocumentsDone;
        record.TotalSteps = progress.DocumentsTotal;
        record.Metrics["old_dimension"] = currentDimension;
        record.Metrics["new_dimension"] = newDimension;
        if (currentDimension != newDimension)
            record.Message = (record.Message is null ? "" : record.Message + "; ") + $"dimension changes {currentDimension} → {newDimension}: the whole vector matrix is replaced";
        _records[record.Id] = record;
        _running = record;
        _index.PendingModel = reembedder.Pending;
        Publish(record, save: true);
        var cancel = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token);
        _cancelRunning = cancel;
        _worker = new Thread(() => Run(record, reembedder, encoder, cancel)) { IsBackground = true, Name = "model activation", Priority = ThreadPriority.BelowNormal };
        _worker.Start();
        return Describe(record, reembedder.Resumed);
    }

    private ActivationStart Describe(JobRecord record, bool resumed)
    {
        var pending = _index.PendingModel;
        int oldDim = (int)record.Metrics.GetValueOrDefault("old_dimension"), newDim = (int)record.Metrics.GetValueOrDefault("new_dimension");
        return new ActivationStart(record.Snapshot(), pending?.Identity.Fingerprint ?? "", record.TotalSteps, oldDim, newDim, resumed);
    }

    private void Run(JobRecord record, IndexReembedder reembedder, ITextEncoder encoder, CancellationTokenSource cancel)
    {
        var clock = Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        long embeddedHere = 0;
        void Report(int documents, bool exact)
        {
            embeddedHere += documents;
            if (!exact && clock.Elapsed - lastReport < ProgressInterval)
            {
                lock (_gate) { record.Step = Math.Min(record.Step + documents, record.TotalSteps); Publish(record, save: false); }
                return;
            }
            lastReport = clock.Elapsed;
            var p = reembedder.Progress(); // exact figures (changes meanwhile move both) about once a second
            lock (_gate)
            {
                record.Step = p.DocumentsDone;
                record.TotalSteps = p.DocumentsTotal;
                record.Metrics["documents_per_second"] = embeddedHere / Math.Max(clock.Elapsed.TotalSeconds, 1e-3);
                Publish(record, save: true);
            }
        }
        try
        {
            using (reembedder)
            {
                for (int n; !cancel.IsCancellationRequested && (n = reembedder.EmbedNextBatch(BatchDocuments)) > 0;) Report(n, exact: false);
                // Documents changed behind the cursor meanwhile; a full batch means there may be more.
                for (int n = BatchDocuments; !cancel.IsCancellationRequested && n == BatchDocuments;) Report(n = reembedder.CatchUp(BatchDocuments), exact: false);
                cancel.Token.ThrowIfCancellationRequested();
                Report(0, exact: true);
                var binding = _index.SwitchModelAsync(reembedder.Complete, encoder, CancellationToken.None).GetAwaiter().GetResult();
                lock (_gate)
                {
                    record.Step = record.TotalSteps;
                    record.Metrics["documents_per_second"] = embeddedHere / Math.Max(clock.Elapsed.TotalSeconds, 1e-3);
                    string note = record.Message is { } m && m.Contains("dimension changes") ? "; " + m[m.IndexOf("dimension changes", StringComparison.Ordinal)..] : "";
                    Finish(record, JobStatus.Succeeded, $"model {binding.Identity.Fingerprint[..Math.Min(12, binding.Identity.Fingerprint.Length)]} is the index's model{note}");
                }
                _logger.LogInformation("Activation {Activation}: model {Model} is active ({Documents} documents).", record.Id, binding.ModelPath, record.TotalSteps);
                if (binding.ModelPath is not null) _onActivated(binding.ModelPath);
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            if (_shutdown.IsCancellationRequested)
            {
                lock (_gate) { record.Message = "interrupted by shutdown; resumes when the server restarts"; Publish(record, save: true); }
                return;
            }
            AbandonPending(reembedder.Pending.Identity);
            lock (_gate) Finish(record, JobStatus.Cancelled, "cancelled by request; the index keeps its current model");
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Activation {Activation} failed.", record.Id);
            AbandonPending(reembedder.Pending.Identity);
            lock (_gate) Finish(record, JobStatus.Failed, $"{e.Message} (the index keeps its current model)");
        }
        finally
        {
            cancel.Dispose();
            lock (_gate) if (_cancelRunning == cancel) _cancelRunning = null;
        }
    }

    /// <summary>Drops staged vectors of <paramref name="identity"/> if they are still pending (never fails the caller).</summary>
    private void AbandonPending(EncoderIdentity identity)
    {
        try
        {
            if (IndexReembedder.ReadPending(_index.Directory)?.Identity != identity) return;
            using var reembedder = IndexReembedder.Open(_index.Directory, new IdentityOnly(identity), null);
            reembedder.Abandon();
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Could not drop the staged vectors of model {Model}.", identity.Fingerprint);
        }
        finally
        {
            _index.PendingModel = null;
        }
    }

    /// <summary>Caller holds the lock.</summary>
    private void Finish(JobRecord record, JobStatus status, string message)
    {
        record.Status = status;
        record.Message = message;
        record.FinishedUtc = DateTime.UtcNow;
        Publish(record, save: true);
        _watchers.Complete(record.Id);
    }

    /// <summary>Caller holds the lock.</summary>
    private void Publish(JobRecord record, bool save)
    {
        if (save)
        {
            try { _store.Save(record); }
            catch (Exception e) { _logger.LogError(e, "Could not persist activation {Activation}.", record.Id); }
        }
        _watchers.Send(record);
    }

    /// <summary>Stops the running activation, leaving its staged vectors for <see cref="ResumePending"/>.</summary>
    public void Dispose()
    {
        _shutdown.Cancel();
        _worker?.Join(TimeSpan.FromSeconds(30));
    }

    /// <summary>An encoder that is only an identity: enough to open a pending re-embedding in order to abandon it.</summary>
    private sealed class IdentityOnly(EncoderIdentity identity) : ITextEncoder
    {
        public EncoderIdentity Identity => identity;
        public int ClsId => throw new NotSupportedException();
        public int SepId => throw new NotSupportedException();
        public int[] TokenIds(string text) => throw new NotSupportedException("abandoning never embeds");
        public float[][] EncodeIds(IReadOnlyList<int[]> sequences, int batchSize) => throw new NotSupportedException("abandoning never embeds");
    }
}
