using Grpc.Core;
using Grpc.Net.Client;
using SemanticSearch.Service.Api.V1;

namespace SemanticSearch.Service.Client;

/// <summary>
/// One <see cref="GrpcChannel"/> (Grpc.Net.Client) to a SemanticSearch server with the API key as
/// call credentials, and the generated clients of both services over it (<see cref="Search"/>,
/// <see cref="FineTune"/>). The helpers below are one-line shorthands over them; failures are
/// Grpc.Core <see cref="RpcException"/>s with the server's status. Thread-safe; share one instance.
/// </summary>
public sealed class SearchServiceClient : IDisposable
{
    private readonly GrpcChannel _channel;

    public SearchServiceClient(Uri address, string? apiKey = null, int maxReceiveMessageBytes = 16 * 1024 * 1024)
    {
        var options = new GrpcChannelOptions { MaxReceiveMessageSize = maxReceiveMessageBytes, MaxSendMessageSize = 16 * 1024 * 1024 };
        if (apiKey is not null)
        {
            var credentials = CallCredentials.FromInterceptor((_, metadata) =>
            {
                metadata.Add("authorization", "Bearer " + apiKey);
                return Task.CompletedTask;
            });
            options.Credentials = ChannelCredentials.Create(address.Scheme == "https" ? ChannelCredentials.SecureSsl : ChannelCredentials.Insecure, credentials);
            // A key over cleartext is the operator's choice (loopback or --insecure on the server); allow it.
            options.UnsafeUseInsecureChannelCallCredentials = true;
        }
        _channel = GrpcChannel.ForAddress(address, options);
        Search = new SearchService.SearchServiceClient(_channel);
        FineTune = new FineTuneService.FineTuneServiceClient(_channel);
    }

    public SearchService.SearchServiceClient Search { get; }
    public FineTuneService.FineTuneServiceClient FineTune { get; }

    /// <summary>Call options with a deadline <paramref name="timeout"/> from now.</summary>
    public static CallOptions Within(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        new(deadline: DateTime.UtcNow + timeout, cancellationToken: cancellationToken);

    public Task<SearchResponse> SearchAsync(SearchRequest request, CallOptions options = default) => Search.SearchAsync(request, options).ResponseAsync;
    public Task<SearchResponse> FindSimilarAsync(FindSimilarRequest request, CallOptions options = default) => Search.FindSimilarAsync(request, options).ResponseAsync;
    public Task<EncodeResponse> EncodeAsync(EncodeRequest request, CallOptions options = default) => Search.EncodeAsync(request, options).ResponseAsync;
    public Task<DeleteResponse> DeleteAsync(DeleteRequest request, CallOptions options = default) => Search.DeleteAsync(request, options).ResponseAsync;
    public Task<Document> GetAsync(string id, CallOptions options = default) => Search.GetAsync(new GetRequest { Id = id }, options).ResponseAsync;
    public Task<StatsResponse> StatsAsync(CallOptions options = default) => Search.StatsAsync(new StatsRequest(), options).ResponseAsync;
    public Task<ClassifyResponse> ClassifyAsync(ClassifyRequest request, CallOptions options = default) => Search.ClassifyAsync(request, options).ResponseAsync;
    public Task<JobInfo> StartFineTuneAsync(StartFineTuneRequest request, CallOptions options = default) => FineTune.StartFineTuneAsync(request, options).ResponseAsync;
    public Task<JobInfo> CancelJobAsync(string jobId, CallOptions options = default) => FineTune.CancelJobAsync(new CancelJobRequest { JobId = jobId }, options).ResponseAsync;
    public Task<ListJobsResponse> ListJobsAsync(CallOptions options = default) => FineTune.ListJobsAsync(new ListJobsRequest(), options).ResponseAsync;
    public Task<ActivateModelResponse> ActivateModelAsync(ActivateModelRequest request, CallOptions options = default) => FineTune.ActivateModelAsync(request, options).ResponseAsync;

    /// <summary>Streams <paramref name="documents"/> in one Upsert call and returns the server's counts.</summary>
    public async Task<UpsertResponse> UpsertAsync(IEnumerable<Document> documents, CallOptions options = default)
    {
        using var call = Search.Upsert(options);
        try
        {
            foreach (var d in documents) await call.RequestStream.WriteAsync(new UpsertRequest { Document = d });
            await call.RequestStream.CompleteAsync();
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException)
        {
            // The server ended the call before reading the whole stream (a refusal such as PERMISSION_DENIED or
            // a size budget): the write then fails as CANCELLED, and the server's status is what says why.
            await call.ResponseAsync;
            throw;
        }
        return await call.ResponseAsync;
    }

    /// <summary>An open Upsert stream, for callers that produce documents over time.</summary>
    public AsyncClientStreamingCall<UpsertRequest, UpsertResponse> StartUpsert(CallOptions options = default) => Search.Upsert(options);

    /// <summary>Job events until the job reaches a final state.</summary>
    public async IAsyncEnumerable<JobEvent> WatchJobAsync(string jobId, CallOptions options = default)
    {
        using var call = FineTune.WatchJob(new WatchJobRequest { JobId = jobId }, options);
        while (await call.ResponseStream.MoveNext(options.CancellationToken)) yield return call.ResponseStream.Current;
    }

    public void Dispose() => _channel.Dispose();
}
