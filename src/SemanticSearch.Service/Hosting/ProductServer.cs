using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SemanticSearch.Index;
using SemanticSearch.Index.Embedding;
using SemanticSearch.Service.Api;
using SemanticSearch.Service.Jobs;
using SemanticSearch.Service.Rpc.Hosting;
using SemanticSearch.Service.Serving;

namespace SemanticSearch.Service.Hosting;

/// <summary>
/// The product server: one index, its model, the job manager and the gRPC host with the
/// SearchService, FineTuneService, health and reflection. Stopping drains in-flight calls
/// (new ones get UNAVAILABLE), waits for the write in progress, stops the job worker and closes
/// the index, in that order, so every acknowledged write is on disk.
/// </summary>
public sealed class ProductServer : IAsyncDisposable
{
    private readonly ServedIndex _index;
    private readonly JobManager _jobs;
    private readonly ActivationManager _activations;
    private readonly GrpcServerHost _host;
    private readonly ILoggerFactory _loggers;
    private readonly TimeSpan _drain;
    private int _stopped;

    private ProductServer(ServedIndex index, JobManager jobs, ActivationManager activations, GrpcServerHost host, ILoggerFactory loggers, TimeSpan drain)
    {
        _index = index; _jobs = jobs; _activations = activations; _host = host; _loggers = loggers; _drain = drain;
    }

    public GrpcServerHost Host => _host;
    public ServedIndex Index => _index;
    public JobManager Jobs => _jobs;
    public ActivationManager Activations => _activations;
    public Uri Address => _host.Address;

    /// <summary>
    /// Opens the index (creating it if needed), loads its model and builds the host (not started).
    /// <paramref name="modelLoader"/> loads models that ActivateModel switches to (default: a sentence-transformers folder).
    /// </summary>
    public static ProductServer Create(ServerSettings settings, ILoggerFactory loggers, IFineTuneRunner? runner = null, IClassifier? classifier = null,
        Func<string, ITextEncoder>? modelLoader = null)
    {
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
            string jobsRoot = Path.Combine(settings.IndexDirectory, "jobs");
            jobs = new JobManager(new JobStore(jobsRoot), runner ?? new FineTunerRunner(), modelPath, id => Path.Combine(settings.IndexDirectory, "models", id),
                loggers.CreateLogger("SemanticSearch.Service.Jobs"), settings.JobQueueCapacity);
            var jobManager = jobs;
            activations = new ActivationManager(index, new JobStore(Path.Combine(settings.IndexDirectory, "activations")), modelLoader ?? SentenceEncoderAdapter.Load,
                jobManager.UseBaseModel, loggers.CreateLogger("SemanticSearch.Service.Activation"));
            activations.ResumePending(); // a re-embedding interrupted by a stop continues where it was
            var builder = new GrpcServerBuilder().Configure(o =>
            {
                o.Address = settings.Address;
                o.Port = settings.Port;
                o.ApiKey = settings.ApiKey;
                o.ShutdownDrainTimeout = settings.ShutdownDrainTimeout;
                o.CompressResponses = settings.CompressResponses;
                if (settings.TlsCertificatePath is not null)
                    o.Tls = new ServerTlsOptions { PemCertificatePath = settings.TlsCertificatePath, PemKeyPath = settings.TlsKeyPath };
            });
            builder.AddService(new SearchApiService(index, classifier).Definition());
            builder.AddService(new FineTuneApiService(jobs, activations).Definition());
            builder.ConfigureWebHost(web =>
            {
                web.Services.AddSingleton(loggers);
                web.Services.AddSingleton<IStartupFilter, CallLoggingStartupFilter>();
                web.Services.AddSingleton<Microsoft.Extensions.Hosting.IHostLifetime, SignalFreeHostLifetime>();
            });
            var host = builder.Build();
            log.LogInformation("Index {Index}: {Mode}", settings.IndexDirectory,
                index.Binding is null ? "keyword-only" : encoder is null ? "vectors present, model not loaded" : $"model {index.Binding.Identity.Fingerprint[..12]}");
            return new ProductServer(index, jobs, activations, host, loggers, settings.ShutdownDrainTimeout);
        }
        catch
        {
            activations?.Dispose();
            jobs?.Dispose();
            index.Dispose();
            throw;
        }
    }

    public Task StartAsync(CancellationToken cancellationToken = default) => _host.StartAsync(cancellationToken);

    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
        await _host.StopAsync();
        await _index.DrainWritesAsync(_drain + TimeSpan.FromSeconds(30));
        _jobs.Dispose();
        _activations.Dispose(); // before the index closes; staged vectors stay for the next start
        _index.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _host.DisposeAsync();
    }

    /// <summary>The model folder an existing index was built with, if it recorded one.</summary>
    private static string? RecordedModelPath(string indexDirectory)
    {
        if (!SemanticSearch.Index.Storage.IndexFiles.IsIndex(indexDirectory)) return null;
        using var searcher = IndexSearcher.Open(indexDirectory);
        return searcher.Model?.ModelPath;
    }
}
