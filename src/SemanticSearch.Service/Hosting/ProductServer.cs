using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SemanticSearch.Index;
using SemanticSearch.Index.Embedding;
using SemanticSearch.Service.Api;
using SemanticSearch.Service.Jobs;
using SemanticSearch.Service.Serving;

namespace SemanticSearch.Service.Hosting;

/// <summary>
/// The product server: one index, its model, the job and activation workers (as a hosted service)
/// and a <see cref="GrpcHost"/> with SearchService, FineTuneService, health and reflection.
/// Stopping drains in-flight calls, then the hosted service waits for the write in progress, stops
/// the workers and closes the index, in that order, so every acknowledged write is on disk.
/// </summary>
public sealed class ProductServer : IAsyncDisposable
{
    /// <summary>Methods that change the index or run jobs: they need the admin key when one is set.</summary>
    public static readonly IReadOnlySet<string> AdminMethods = new HashSet<string>(StringComparer.Ordinal)
    {
        "/semanticsearch.v1.SearchService/Upsert", "/semanticsearch.v1.SearchService/UpsertBatch", "/semanticsearch.v1.SearchService/Delete",
        "/semanticsearch.v1.FineTuneService/StartFineTune", "/semanticsearch.v1.FineTuneService/CancelJob",
        "/semanticsearch.v1.FineTuneService/ActivateModel",
    };

    private readonly BackgroundWork _work;
    private int _started, _stopped;

    private ProductServer(BackgroundWork work, GrpcHost host) { _work = work; Host = host; }

    public GrpcHost Host { get; }
    public ServedIndex Index => _work.Index;
    public JobManager Jobs => _work.Jobs;
    public ActivationManager Activations => _work.Activations;
    public Uri Address => Host.Address;

    /// <summary>
    /// Opens the index (creating it if needed), loads its model and builds the host (not started).
    /// <paramref name="modelLoader"/> loads models that ActivateModel switches to (default: a sentence-transformers folder).
    /// </summary>
    public static ProductServer Create(ServerSettings settings, ILoggerFactory loggers, IFineTuneRunner? runner = null, IClassifier? classifier = null,
        Func<string, ITextEncoder>? modelLoader = null)
    {
        settings.Validate();
        var log = loggers.CreateLogger("SemanticSearch.Service");
        string? modelPath = settings.ModelDirectory ?? RecordedModelPath(settings.IndexDirectory);
        SentenceEncoderAdapter? encoder = null;
        HeadClassifier? modelHead = null;
        if (modelPath is not null)
        {
            log.LogInformation("Loading model {Model}", modelPath);
            encoder = SentenceEncoderAdapter.Load(modelPath);
            modelHead = HeadClassifier.TryLoad(encoder.Encoder, modelPath);
            classifier ??= modelHead;
            log.LogInformation("Classifier head: {Head}", classifier is null ? "none (Classify answers FAILED_PRECONDITION)" : "loaded");
        }
        var tagger = IngestTaggerChoice.Choose(settings.IndexDirectory, settings.ClassifierDirectory, encoder, modelHead, log);
        var index = ServedIndex.Open(settings.IndexDirectory, encoder, modelPath, settings.Searchers, tagger);
        JobManager? jobs = null;
        ActivationManager? activations = null;
        try
        {
            var paths = new ServerPaths(settings);
            jobs = new JobManager(new JobStore(Path.Combine(settings.IndexDirectory, "jobs")), runner ?? new FineTunerRunner(), modelPath, paths.JobOutput,
                loggers.CreateLogger("SemanticSearch.Service.Jobs"), settings.JobQueueCapacity);
            activations = new ActivationManager(index, new JobStore(Path.Combine(settings.IndexDirectory, "activations")), modelLoader ?? SentenceEncoderAdapter.Load,
                jobs.UseBaseModel, loggers.CreateLogger("SemanticSearch.Service.Activation"));
            activations.ResumePending(); // a re-embedding interrupted by a stop continues where it was
            var work = new BackgroundWork(index, jobs, activations, settings.ShutdownDrainTimeout + TimeSpan.FromSeconds(30));
            var search = new SearchApiService(index, classifier);
            var fineTune = new FineTuneApiService(jobs, activations, paths, () => index.Encoder?.Identity.MaxSeqLength ?? 512, settings.MaxTrainingBatchTokens);
            var host = GrpcHost.Create(settings, loggers,
                services =>
                {
                    services.AddSingleton(search);
                    services.AddSingleton(fineTune);
                    services.AddHostedService(_ => work);
                },
                endpoints =>
                {
                    endpoints.MapGrpcService<SearchApiService>();
                    endpoints.MapGrpcService<FineTuneApiService>();
                },
                ["semanticsearch.v1.SearchService", "semanticsearch.v1.FineTuneService"],
                AdminMethods.Contains);
            host.Readiness.ReportFaults(() => index.OutOfService);
            host.Readiness.MarkReady(); // index open, model loaded
            log.LogInformation("Index {Index}: {Mode}", settings.IndexDirectory,
                index.Binding is null ? "keyword-only" : encoder is null ? "vectors present, model not loaded" : $"model {index.Binding.Identity.Fingerprint[..12]}");
            return new ProductServer(work, host);
        }
        catch
        {
            activations?.Dispose();
            jobs?.Dispose();
            index.Dispose();
            throw;
        }
    }

    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        Interlocked.Exchange(ref _started, 1);
        return Host.StartAsync(cancellationToken);
    }

    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
        if (Volatile.Read(ref _started) == 1) await Host.StopAsync(); // stops Kestrel, then BackgroundWork
        else await _work.StopAsync(CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await Host.DisposeAsync();
    }

    /// <summary>The model folder an existing index was built with, if it recorded one.</summary>
    private static string? RecordedModelPath(string indexDirectory)
    {
        if (!SemanticSearch.Index.Storage.IndexFiles.IsIndex(indexDirectory)) return null;
        using var searcher = IndexSearcher.Open(indexDirectory);
        return searcher.Model?.ModelPath;
    }

    /// <summary>
    /// The fine-tuning and activation workers as one hosted service. Registered before Kestrel, so
    /// it stops after the last call has drained: then it waits for the write in progress, stops the
    /// workers (a running job is recorded as interrupted) and closes the index.
    /// </summary>
    private sealed class BackgroundWork(ServedIndex index, JobManager jobs, ActivationManager activations, TimeSpan writeDrain) : IHostedService
    {
        private int _stopped;
        public ServedIndex Index => index;
        public JobManager Jobs => jobs;
        public ActivationManager Activations => activations;

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask; // the workers start with the managers

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
            await index.DrainWritesAsync(writeDrain); // not the host's token: acknowledged writes must reach the disk
            jobs.Dispose();
            activations.Dispose(); // before the index closes; staged vectors stay for the next start
            index.Dispose();
        }
    }
}
