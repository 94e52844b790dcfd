using Google.Protobuf.Reflection;
using SemanticSearch.Service.Api.V1;
using SemanticSearch.Service.Jobs;
using SemanticSearch.Service.Rpc;
using SemanticSearch.Service.Rpc.Server;

namespace SemanticSearch.Service.Api;

/// <summary>semanticsearch.v1.FineTuneService over a <see cref="JobManager"/>.</summary>
public sealed class FineTuneApiService(JobManager jobs)
{
    public const int MaxInlinePairs = 100_000;

    public GrpcServiceDefinition Definition() =>
        GrpcServiceDefinition.For(FinetuneReflection.Descriptor.FindTypeByName<ServiceDescriptor>("FineTuneService"))
            .AddUnary<StartFineTuneRequest, JobInfo>("StartFineTune", StartFineTune)
            .AddServerStreaming<WatchJobRequest, JobEvent>("WatchJob", WatchJob)
            .AddUnary<CancelJobRequest, JobInfo>("CancelJob", CancelJob)
            .AddUnary<ListJobsRequest, ListJobsResponse>("ListJobs", ListJobs)
            .AddUnary<ActivateModelRequest, ActivateModelResponse>("ActivateModel", ActivateModel)
            .Build();

    public Task<JobInfo> StartFineTune(StartFineTuneRequest request, ServerCallContext context)
    {
        if (!jobs.CanRun)
            throw new RpcException(StatusCode.Unimplemented,
                "this server was built without a fine-tuning runner; ListJobs/WatchJob/CancelJob work on recorded jobs.");
        if (!jobs.HasBaseModel)
            throw ApiErrors.FailedPrecondition("the server has no model to fine-tune (the index is keyword-only); start it with --model DIR");
        TrainingOptionsValidator.Validate(request);
        try
        {
            return Task.FromResult(JobMessages.ToInfo(jobs.Submit(request)));
        }
        catch (JobQueueFullException e)
        {
            throw new RpcException(StatusCode.ResourceExhausted, e.Message);
        }
    }

    public async Task WatchJob(WatchJobRequest request, IServerStreamWriter<JobEvent> responses, ServerCallContext context)
    {
        SearchRequestMapper.RequireText(request.JobId, "job_id");
        var updates = jobs.Watch(request.JobId, out var unsubscribe) ?? throw ApiErrors.NotFound($"no job with id '{request.JobId}'");
        try
        {
            await foreach (var job in updates.ReadAllAsync(context.CancellationToken))
                await responses.WriteAsync(JobMessages.ToEvent(job, DateTime.UtcNow), context.CancellationToken);
        }
        finally
        {
            unsubscribe();
        }
    }

    public Task<JobInfo> CancelJob(CancelJobRequest request, ServerCallContext context)
    {
        SearchRequestMapper.RequireText(request.JobId, "job_id");
        var job = jobs.Cancel(request.JobId) ?? throw ApiErrors.NotFound($"no job with id '{request.JobId}'");
        return Task.FromResult(JobMessages.ToInfo(job));
    }

    public Task<ListJobsResponse> ListJobs(ListJobsRequest request, ServerCallContext context)
    {
        var response = new ListJobsResponse();
        response.Jobs.AddRange(jobs.List().Select(JobMessages.ToInfo));
        return Task.FromResult(response);
    }

    public Task<ActivateModelResponse> ActivateModel(ActivateModelRequest request, ServerCallContext context)
    {
        if (request.ModelCase == ActivateModelRequest.ModelOneofCase.None) throw SearchRequestMapper.Invalid("set job_id or model_path");
        if (request.ModelCase == ActivateModelRequest.ModelOneofCase.JobId)
        {
            var job = jobs.Find(request.JobId) ?? throw ApiErrors.NotFound($"no job with id '{request.JobId}'");
            if (job.Status != JobStatus.Succeeded)
                throw ApiErrors.FailedPrecondition($"job '{job.Id}' is {job.Status.ToString().ToUpperInvariant()}; only a SUCCEEDED job has a model to activate");
        }
        throw new RpcException(StatusCode.Unimplemented,
            "ActivateModel (background re-embedding with switch-over) is not built yet: the index binds one model per index and the re-embedding/swap step does not exist.");
    }
}
