using Grpc.Core;
using SemanticSearch.Service.Api.V1;
using SemanticSearch.Service.Hosting;
using SemanticSearch.Service.Jobs;

namespace SemanticSearch.Service.Api;

/// <summary>
/// semanticsearch.v1.FineTuneService over a <see cref="JobManager"/> (fine-tuning jobs, "ft-…") and an
/// <see cref="ActivationManager"/> (model activations, "act-…"); WatchJob, CancelJob and ListJobs
/// serve both kinds, told apart by the id's prefix.
/// </summary>
/// <param name="maxSeqLength">the sequence length of the model jobs start from (for the memory budget)</param>
public sealed class FineTuneApiService(JobManager jobs, ActivationManager? activations, ServerPaths paths, Func<int> maxSeqLength, long maxBatchTokens)
    : FineTuneService.FineTuneServiceBase
{
    public const int MaxInlinePairs = 100_000;

    public override Task<JobInfo> StartFineTune(StartFineTuneRequest request, ServerCallContext context)
    {
        if (!jobs.CanRun)
            throw ApiErrors.Unimplemented("this server was built without a fine-tuning runner; ListJobs/WatchJob/CancelJob work on recorded jobs.");
        if (!jobs.HasBaseModel)
            throw ApiErrors.FailedPrecondition("the server has no model to fine-tune (the index is keyword-only); start it with --model DIR");
        TrainingOptionsValidator.Validate(request);
        TrainingOptionsValidator.RequireBatchFits(request, maxSeqLength(), maxBatchTokens);
        if (request.DataCase == StartFineTuneRequest.DataOneofCase.ServerFile)
        {
            request = request.Clone();
            request.ServerFile = paths.ServerFile(request.ServerFile); // the job reads the resolved file, never the client's path
        }
        return Task.FromResult(JobMessages.ToInfo(jobs.Submit(request)));
    }

    public override async Task WatchJob(WatchJobRequest request, IServerStreamWriter<JobEvent> responses, ServerCallContext context)
    {
        SearchRequestMapper.RequireText(request.JobId, "job_id");
        var updates = (IsActivation(request.JobId) ? activations!.Watch(request.JobId, out var unsubscribe) : jobs.Watch(request.JobId, out unsubscribe))
            ?? throw ApiErrors.NotFound($"no job with id '{ApiErrors.Quote(request.JobId)}'");
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

    public override Task<JobInfo> CancelJob(CancelJobRequest request, ServerCallContext context)
    {
        SearchRequestMapper.RequireText(request.JobId, "job_id");
        var job = (IsActivation(request.JobId) ? activations!.Cancel(request.JobId) : jobs.Cancel(request.JobId))
            ?? throw ApiErrors.NotFound($"no job with id '{ApiErrors.Quote(request.JobId)}'");
        return Task.FromResult(JobMessages.ToInfo(job));
    }

    public override Task<ListJobsResponse> ListJobs(ListJobsRequest request, ServerCallContext context)
    {
        int size = request.PageSize == 0 ? 100 : request.PageSize;
        if (size is < 1 or > 1000) throw ApiErrors.Invalid($"page_size must be between 1 and 1000 (0 for 100), got {request.PageSize}");
        int start = 0;
        if (request.PageToken.Length > 0 && (!int.TryParse(request.PageToken, out start) || start < 0))
            throw ApiErrors.Invalid("page_token is not a token this server returned");
        var all = jobs.List().Select(JobMessages.ToInfo);
        if (activations is not null)
            all = all.Concat(activations.List().OrderByDescending(a => a.CreatedUtc).ThenByDescending(a => a.Id, StringComparer.Ordinal).Select(JobMessages.ToInfo));
        var page = all.Skip(start).Take(size + 1).ToList();
        var response = new ListJobsResponse { NextPageToken = page.Count > size ? (start + size).ToString() : "" };
        response.Jobs.AddRange(page.Take(size));
        return Task.FromResult(response);
    }

    public override Task<ActivateModelResponse> ActivateModel(ActivateModelRequest request, ServerCallContext context)
    {
        if (activations is null) throw ApiErrors.Unimplemented("this server has no model activation");
        string modelPath, description;
        switch (request.ModelCase)
        {
            case ActivateModelRequest.ModelOneofCase.JobId:
                SearchRequestMapper.RequireText(request.JobId, "job_id");
                var job = jobs.Find(request.JobId) ?? throw ApiErrors.NotFound($"no job with id '{ApiErrors.Quote(request.JobId)}'");
                if (job.Status != JobStatus.Succeeded || job.OutputModel is null)
                    throw ApiErrors.FailedPrecondition($"job '{job.Id}' is {job.Status.ToString().ToUpperInvariant()}; only a SUCCEEDED job has a model to activate");
                (modelPath, description) = (job.OutputModel, $"activate the model of job {job.Id}");
                break;
            case ActivateModelRequest.ModelOneofCase.ModelPath:
                SearchRequestMapper.RequireText(request.ModelPath, "model_path");
                (modelPath, description) = (paths.ModelFolder(request.ModelPath), $"activate model folder {ServerPaths.Shown(request.ModelPath)}");
                break;
            default:
                throw SearchRequestMapper.Invalid("set job_id or model_path");
        }
        var started = activations.Start(modelPath, description); // ActivationConflict/Precondition/ModelFolder exceptions carry their status
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
