using System.Collections.Concurrent;
using System.Threading.Channels;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using SemanticSearch.Service.Api.V1;

namespace SemanticSearch.Service.Jobs;

/// <summary>The queue is full; the caller should retry later.</summary>
public sealed class JobQueueFullException(string message) : ServiceException(Grpc.Core.StatusCode.ResourceExhausted, message);

/// <summary>
/// Runs fine-tuning jobs one at a time, in submission order, on its own below-normal-priority
/// thread so that training (CPU-bound for minutes) never occupies thread-pool threads that
/// searches need. Jobs wait in a bounded queue; state is persisted through <see cref="JobStore"/>
/// after every change (progress at most once a second) and published to watchers.
/// </summary>
public sealed class JobManager : IDisposable
{
    private static readonly TimeSpan ProgressSaveInterval = TimeSpan.FromSeconds(1);
    /// <summary>Finished jobs kept (records and output models); older ones are deleted as new ones finish.</summary>
    public const int MaxFinishedJobs = 100;

    private readonly object _gate = new();
    private readonly Dictionary<string, JobRecord> _jobs = new(StringComparer.Ordinal);
    private readonly JobWatchers _watchers = new();
    private readonly BlockingCollection<string> _queue;
    private readonly JobStore _store;
    private readonly IFineTuneRunner? _runner;
    private readonly Func<string, string> _outputDirectoryOf;
    private volatile string? _baseModelPath;
    private readonly ILogger _logger;
    private readonly Thread _worker;
    private readonly CancellationTokenSource _shutdown = new();
    private CancellationTokenSource? _runningJobCancel;
    private string? _runningJobId;

    public JobManager(JobStore store, IFineTuneRunner? runner, string? baseModelPath, Func<string, string> outputDirectoryOf,
        ILogger logger, int queueCapacity = 16)
    {
        if (queueCapacity < 1) throw new ArgumentOutOfRangeException(nameof(queueCapacity), "the queue must hold at least one job");
        _store = store;
        _runner = runner;
        _baseModelPath = baseModelPath;
        _outputDirectoryOf = outputDirectoryOf;
        _logger = logger;
        _queue = new BlockingCollection<string>(queueCapacity);
        Recover();
        _worker = new Thread(WorkLoop) { IsBackground = true, Name = "fine-tune worker", Priority = ThreadPriority.BelowNormal };
        _worker.Start();
    }

    /// <summary>False when no training engine was given: jobs can be listed but not started.</summary>
    public bool CanRun => _runner is not null;

    /// <summary>True when jobs have a model to start from.</summary>
    public bool HasBaseModel => _baseModelPath is not null;

    /// <summary>Jobs that start after this call fine-tune <paramref name="modelPath"/> (the model just activated).</summary>
    public void UseBaseModel(string modelPath) => _baseModelPath = modelPath;

    /// <summary>Queues a job; throws <see cref="JobQueueFullException"/> when the queue is full.</summary>
    public JobRecord Submit(StartFineTuneRequest request)
    {
        if (_runner is null) throw new InvalidOperationException("no fine-tuning runner is configured");
        var job = new JobRecord
        {
            Id = "ft-" + DateTime.UtcNow.ToString("yyyyMMddHHmmss") + "-" + Guid.NewGuid().ToString("N")[..8],
            Status = JobStatus.Queued,
            Description = request.Description,
            CreatedUtc = DateTime.UtcNow,
            Device = SemanticSearch.Training.Torch.TrainingBackendChoice.Parse(request.Backend, request.Device).ToString(),
        };
        lock (_gate)
        {
            // Persist first: a job the client was told about must survive a crash right after.
            _store.SaveRequest(job.Id, request.ToByteArray());
            _store.Save(job);
            if (!_queue.TryAdd(job.Id))
            {
                _store.Delete(job.Id);
                throw new JobQueueFullException($"the fine-tuning queue is full ({_queue.BoundedCapacity} jobs waiting); retry later");
            }
            _jobs[job.Id] = job;
            return job.Snapshot();
        }
    }

    public JobRecord? Find(string id)
    {
        lock (_gate) return _jobs.TryGetValue(id, out var job) ? job.Snapshot() : null;
    }

    /// <summary>Newest first.</summary>
    public IReadOnlyList<JobRecord> List()
    {
        lock (_gate) return _jobs.Values.OrderByDescending(j => j.CreatedUtc).ThenByDescending(j => j.Id, StringComparer.Ordinal).Select(j => j.Snapshot()).ToList();
    }

    /// <summary>
    /// Cancels a queued job at once, or asks the running one to stop (it turns CANCELLED when the
    /// runner notices). A finished job is returned unchanged. Null for an unknown id.
    /// </summary>
    public JobRecord? Cancel(string id)
    {
        lock (_gate)
        {
            if (!_jobs.TryGetValue(id, out var job)) return null;
            if (job.Status == JobStatus.Queued) Finish(job, JobStatus.Cancelled, "cancelled before it started");
            else if (job.Status == JobStatus.Running && _runningJobId == id) _runningJobCancel?.Cancel();
            return job.Snapshot();
        }
    }

    /// <summary>
    /// A stream of snapshots of job <paramref name="id"/>: the current state at once, then every
    /// change; it completes after the final state. Null for an unknown id.
    /// </summary>
    public ChannelReader<JobRecord>? Watch(string id, out Action unsubscribe)
    {
        unsubscribe = () => { };
        lock (_gate)
        {
            if (!_jobs.TryGetValue(id, out var job)) return null;
            return _watchers.Subscribe(job, out unsubscribe);
        }
    }

    private void Recover()
    {
        var jobs = _store.LoadAll((file, e) => _logger.LogWarning(e, "Skipping unreadable job record {File}.", file));
        foreach (var job in jobs.OrderBy(j => j.CreatedUtc))
        {
            _jobs[job.Id] = job;
            if (job.Status == JobStatus.Running)
            {
                Finish(job, JobStatus.Failed, "the server stopped while the job was running");
            }
            else if (job.Status == JobStatus.Queued && !_queue.TryAdd(job.Id))
            {
                Finish(job, JobStatus.Failed, "the queue was full when the server restarted");
            }
        }
    }

    private void WorkLoop()
    {
        try
        {
            foreach (var id in _queue.GetConsumingEnumerable(_shutdown.Token))
            {
                // An exception escaping a dedicated thread terminates the process; contain it here.
                try { RunOne(id); }
                catch (Exception e) { _logger.LogError(e, "Fine-tuning job {Job} could not be run.", id); }
            }
        }
        catch (OperationCanceledException) when (_shutdown.IsCancellationRequested)
        {
        }
    }

    private void RunOne(string id)
    {
        JobRecord job;
        StartFineTuneRequest request;
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token);
        lock (_gate)
        {
            if (!_jobs.TryGetValue(id, out job!) || job.Status != JobStatus.Queued) return; // cancelled while queued
            request = _store.LoadRequest(id) is { } bytes ? StartFineTuneRequest.Parser.ParseFrom(bytes) : StartFineTuneRequest.Parser.ParseJson(job.RequestJson);
            job.Status = JobStatus.Running;
            job.StartedUtc = DateTime.UtcNow;
            _runningJobId = id;
            _runningJobCancel = cancel;
            Publish(job, save: true);
        }
        var lastSave = DateTime.UtcNow;
        try
        {
            var runner = _runner ?? throw new InvalidOperationException("this build has no fine-tuning engine; the job cannot run");
            string output = runner.Run(new FineTuneWork(id, request, _baseModelPath, _outputDirectoryOf(id)), progress =>
            {
                lock (_gate)
                {
                    job.Step = progress.Step;
                    job.TotalSteps = progress.TotalSteps;
                    job.Epoch = progress.Epoch;
                    job.Loss = progress.Loss;
                    job.LearningRate = progress.LearningRate;
                    foreach (var (name, value) in progress.Metrics) job.Metrics[name] = value;
                    bool save = DateTime.UtcNow - lastSave >= ProgressSaveInterval;
                    if (save) lastSave = DateTime.UtcNow;
                    Publish(job, save);
                }
            }, cancel.Token);
            lock (_gate) { job.OutputModel = output; Finish(job, JobStatus.Succeeded, null); }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            lock (_gate) Finish(job, _shutdown.IsCancellationRequested ? JobStatus.Failed : JobStatus.Cancelled,
                _shutdown.IsCancellationRequested ? "the server stopped while the job was running" : "cancelled by request");
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Fine-tuning job {Job} failed.", id);
            lock (_gate) Finish(job, JobStatus.Failed, FailureMessage(e));
        }
        finally
        {
            lock (_gate) { _runningJobId = null; _runningJobCancel = null; }
        }
    }

    /// <summary>
    /// What a failed job reports to clients: never the content of a data file (a pair file on the
    /// server may be anything the server can read) nor a server path, and bounded in length.
    /// </summary>
    internal static string FailureMessage(Exception e) => e switch
    {
        SemanticSearch.Training.Data.TrainingDataException t => t.Line is int line
            ? $"the training data is malformed at line {line}" : "the training data is malformed",
        IOException or UnauthorizedAccessException => "the training data could not be read",
        _ => Hosting.ErrorInterceptor.Bound(e.Message),
    };

    /// <summary>Caller holds the lock.</summary>
    private void Finish(JobRecord job, JobStatus status, string? message)
    {
        job.Status = status;
        job.Message = message;
        job.FinishedUtc = DateTime.UtcNow;
        job.RequestJson = "";
        Publish(job, save: true);
        _watchers.Complete(job.Id);
        try { _store.DeleteRequest(job.Id); } catch (IOException e) { _logger.LogWarning(e, "Could not delete the request of job {Job}.", job.Id); }
        PruneFinished();
    }

    /// <summary>Caller holds the lock. Deletes the oldest finished jobs past <see cref="MaxFinishedJobs"/>, with their models (not the model jobs start from).</summary>
    private void PruneFinished()
    {
        var finished = _jobs.Values.Where(j => j.IsFinal).OrderByDescending(j => j.FinishedUtc).ThenByDescending(j => j.Id, StringComparer.Ordinal).ToList();
        foreach (var old in finished.Skip(MaxFinishedJobs))
        {
            _jobs.Remove(old.Id);
            try
            {
                _store.Delete(old.Id);
                string output = _outputDirectoryOf(old.Id);
                if (Directory.Exists(output) && !string.Equals(Path.GetFullPath(output), _baseModelPath is null ? null : Path.GetFullPath(_baseModelPath), StringComparison.Ordinal))
                    Directory.Delete(output, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { _logger.LogWarning(e, "Could not delete old job {Job}.", old.Id); }
        }
    }

    /// <summary>Caller holds the lock.</summary>
    private void Publish(JobRecord job, bool save)
    {
        if (save)
        {
            // Never let persistence take the worker thread (and with it the process) down.
            try { _store.Save(job); }
            catch (Exception e) { _logger.LogError(e, "Could not persist job {Job}.", job.Id); }
        }
        _watchers.Send(job);
    }

    /// <summary>Stops the worker: a running job is cancelled (and recorded as FAILED: interrupted by shutdown).</summary>
    public void Dispose()
    {
        _shutdown.Cancel();
        _worker.Join(TimeSpan.FromSeconds(30));
        _queue.Dispose();
    }
}
