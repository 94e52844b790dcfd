using Google.Protobuf.Reflection;
using SemanticSearch.Service.Api.V1;
using SemanticSearch.Service.Rpc.Client;

namespace SemanticSearch.Service.Client;

/// <summary>
/// Typed client for semanticsearch.v1.SearchService and FineTuneService over the Rpc layer's
/// <see cref="GrpcClient"/>. Failures surface as <see cref="Rpc.RpcException"/> with the server's status.
/// Thread-safe; share one instance.
/// </summary>
public sealed class SearchServiceClient : IDisposable
{
    private static readonly ServiceDescriptor Search = SearchReflection.Descriptor.Services.Single(s => s.Name == "SearchService");
    private static readonly ServiceDescriptor FineTune = FinetuneReflection.Descriptor.Services.Single(s => s.Name == "FineTuneService");

    private static readonly GrpcMethod<SearchRequest, SearchResponse> SearchMethod = Method<SearchRequest, SearchResponse>(Search, "Search");
    private static readonly GrpcMethod<FindSimilarRequest, SearchResponse> FindSimilarMethod = Method<FindSimilarRequest, SearchResponse>(Search, "FindSimilar");
    private static readonly GrpcMethod<EncodeRequest, EncodeResponse> EncodeMethod = Method<EncodeRequest, EncodeResponse>(Search, "Encode");
    private static readonly GrpcMethod<UpsertRequest, UpsertResponse> UpsertMethod = Method<UpsertRequest, UpsertResponse>(Search, "Upsert");
    private static readonly GrpcMethod<DeleteRequest, DeleteResponse> DeleteMethod = Method<DeleteRequest, DeleteResponse>(Search, "Delete");
    private static readonly GrpcMethod<GetRequest, Document> GetMethod = Method<GetRequest, Document>(Search, "Get");
    private static readonly GrpcMethod<StatsRequest, StatsResponse> StatsMethod = Method<StatsRequest, StatsResponse>(Search, "Stats");
    private static readonly GrpcMethod<ClassifyRequest, ClassifyResponse> ClassifyMethod = Method<ClassifyRequest, ClassifyResponse>(Search, "Classify");
    private static readonly GrpcMethod<StartFineTuneRequest, JobInfo> StartFineTuneMethod = Method<StartFineTuneRequest, JobInfo>(FineTune, "StartFineTune");
    private static readonly GrpcMethod<WatchJobRequest, JobEvent> WatchJobMethod = Method<WatchJobRequest, JobEvent>(FineTune, "WatchJob");
    private static readonly GrpcMethod<CancelJobRequest, JobInfo> CancelJobMethod = Method<CancelJobRequest, JobInfo>(FineTune, "CancelJob");
    private static readonly GrpcMethod<ListJobsRequest, ListJobsResponse> ListJobsMethod = Method<ListJobsRequest, ListJobsResponse>(FineTune, "ListJobs");
    private static readonly GrpcMethod<ActivateModelRequest, ActivateModelResponse> ActivateModelMethod = Method<ActivateModelRequest, ActivateModelResponse>(FineTune, "ActivateModel");

    private readonly GrpcClient _grpc;

    public SearchServiceClient(Uri address, string? apiKey = null, GrpcClientOptions? options = null)
    {
        options ??= new GrpcClientOptions();
        if (apiKey is not null) options.BearerToken = apiKey;
        _grpc = new GrpcClient(address, options);
    }

    public Task<SearchResponse> SearchAsync(SearchRequest request, CallOptions? options = null) => _grpc.UnaryAsync(SearchMethod, request, options);
    public Task<SearchResponse> FindSimilarAsync(FindSimilarRequest request, CallOptions? options = null) => _grpc.UnaryAsync(FindSimilarMethod, request, options);
    public Task<EncodeResponse> EncodeAsync(EncodeRequest request, CallOptions? options = null) => _grpc.UnaryAsync(EncodeMethod, request, options);
    public Task<DeleteResponse> DeleteAsync(DeleteRequest request, CallOptions? options = null) => _grpc.UnaryAsync(DeleteMethod, request, options);
    public Task<Document> GetAsync(string id, CallOptions? options = null) => _grpc.UnaryAsync(GetMethod, new GetRequest { Id = id }, options);
    public Task<StatsResponse> StatsAsync(CallOptions? options = null) => _grpc.UnaryAsync(StatsMethod, new StatsRequest(), options);
    public Task<ClassifyResponse> ClassifyAsync(ClassifyRequest request, CallOptions? options = null) => _grpc.UnaryAsync(ClassifyMethod, request, options);
    public Task<JobInfo> StartFineTuneAsync(StartFineTuneRequest request, CallOptions? options = null) => _grpc.UnaryAsync(StartFineTuneMethod, request, options);
    public Task<JobInfo> CancelJobAsync(string jobId, CallOptions? options = null) => _grpc.UnaryAsync(CancelJobMethod, new CancelJobRequest { JobId = jobId }, options);
    public Task<ListJobsResponse> ListJobsAsync(CallOptions? options = null) => _grpc.UnaryAsync(ListJobsMethod, new ListJobsRequest(), options);
    public Task<ActivateModelResponse> ActivateModelAsync(ActivateModelRequest request, CallOptions? options = null) => _grpc.UnaryAsync(ActivateModelMethod, request, options);

    /// <summary>Streams <paramref name="documents"/> in one Upsert call and returns the server's counts.</summary>
    public async Task<UpsertResponse> UpsertAsync(IEnumerable<Document> documents, CallOptions? options = null)
    {
        using var call = _grpc.ClientStreaming(UpsertMethod, options);
        foreach (var d in documents) await call.RequestStream.WriteAsync(new UpsertRequest { Document = d }, options?.CancellationToken ?? default);
        await call.RequestStream.CompleteAsync();
        return await call.ResponseAsync;
    }

    /// <summary>An open Upsert stream, for callers that produce documents over time.</summary>
    public ClientStreamingCall<UpsertRequest, UpsertResponse> StartUpsert(CallOptions? options = null) => _grpc.ClientStreaming(UpsertMethod, options);

    /// <summary>Job events until the job reaches a final state.</summary>
    public async IAsyncEnumerable<JobEvent> WatchJobAsync(string jobId, CallOptions? options = null)
    {
        using var call = _grpc.ServerStreaming(WatchJobMethod, new WatchJobRequest { JobId = jobId }, options);
        while (await call.ResponseStream.MoveNext(options?.CancellationToken ?? default)) yield return call.ResponseStream.Current;
    }

    public void Dispose() => _grpc.Dispose();

    private static GrpcMethod<TRequest, TResponse> Method<TRequest, TResponse>(ServiceDescriptor service, string name)
        where TRequest : class, Google.Protobuf.IMessage where TResponse : class, Google.Protobuf.IMessage =>
        GrpcMethod<TRequest, TResponse>.From(service.FindMethodByName(name));
}
