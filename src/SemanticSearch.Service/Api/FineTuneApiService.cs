using Google.Protobuf.Reflection;
using SemanticSearch.Service.Api.V1;
using SemanticSearch.Service.Jobs;
using SemanticSearch.Service.Rpc;
using SemanticSearch.Service.Rpc.Server;

namespace SemanticSearch.Service.Api;

/// <summary>
/// semanticsearch.v1.FineTuneService over a <see cref="JobManager"/> (fine-tuning jobs, "ft-…") and an
/// <see cref="ActivationManager"/> (model activations, "act-…"); WatchJob, CancelJob and ListJobs
/// serve both kinds, told apart by the id's prefix.
/// </summary>
public sealed class FineTuneApiService(JobManager jobs, ActivationManager? activations = null)
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
        var updates = (IsActivation(request.JobId) ? activations!.Watch(request.JobId, out var unsubscribe) : jobs.Watch(request.JobId, out unsubscribe))
            ?? throw ApiErrors.NotFound($"no job with id '{request.JobId}'");
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
        var job = (IsActivation(request.JobId) ? activations!.Cancel(request.JobId) : jobs.Cancel(request.JobId))
            ?? throw ApiErrors.NotFound($"no job with id '{request.JobId}'");
        return Task.FromResult(JobMessages.ToInfo(job));
    }

    public Task<ListJobsResponse> ListJobs(ListJobsRequest request, ServerCallContext context)
    {
        var response = new ListJobsResponse();
        response.Jobs.AddRange(jobs.List().Select(JobMessages.ToInfo));
        if (activations is not null)
            response.Jobs.AddRange(activations.List().OrderByDescending(a => a.CreatedUtc).ThenByDescending(a => a.Id, StringComparer.Ordinal).Select(JobMessages.ToInfo));
        return Task.FromResult(response);
    }

    public Task<ActivateModelResponse> ActivateModel(ActivateModelRequest request, ServerCallContext context)
    {
        if (activations is null) throw new RpcException(StatusCode.Unimplemented, "this server has no model activation");
        string modelPath, description;
        switch (request.ModelCase)
        {
            case ActivateModelRequest.ModelOneofCase.JobId:
                SearchRequestMapper.RequireText(request.JobId, "job_id");
                var job = jobs.Find(request.JobId) ?? throw ApiErrors.NotFound($"no job with id '{request.JobId}'");
                if (job.Status != JobStatus.Succeeded || job.OutputModel is null)
                    throw ApiErrors.FailedPrecondition($"job '{job.Id}' is {job.Status.ToString().ToUpperInvariant()}; only a SUCCEEDED job has a model to activate");
                (modelPath, description) = (job.OutputModel, $"activate the model of job {job.Id}");
                break;
            case ActivateModelRequest.ModelOneofCase.ModelPath:
                SearchRequestMapper.RequireText(request.ModelPath, "model_path");
                (modelPath, description) = (request.ModelPath, $"activate model folder {request.ModelPath}");
                break;
            default:
                throw SearchRequestMapper.Invalid("set job_id or model_path");
        }
        ActivationStart started;
        try
        {
            started = activations.Start(modelPath, description);
        }
        catch (ActivationConflictException e) { throw new RpcException(StatusCode.Aborted, e.Message); }
        catch (ActivationPreconditionException e) { throw ApiErrors.FailedPrecondition(e.Message); }
        catch (ArgumentException e) { throw SearchRequestMapper.Invalid(e.Message); }
        return Task.FromResult(new ActivateModelResponse
        {
            PendingModelFingerprint = started.PendingFingerprint,
            Documents = started.Documents,
            ActivationId = started.Activation.Id,
            Activation = JobMessages.ToInfo(started.Activation),
            CurrentDimension = started.CurrentDimension,
            NewDimension = started.NewDimension,
            DimensionChanges = started.CurrentDimension != started.NewDimension,
            Resumed = started.Resumed,
        });
    }

    private bool IsActivation(string id) => activations is not null && ActivationManager.IsActivationId(id);
}
