using SemanticSearch.Service.Api.V1;
using SemanticSearch.Service.Jobs;

namespace SemanticSearch.Service.Api;

/// <summary>Job records as API messages.</summary>
internal static class JobMessages
{
    public static JobInfo ToInfo(JobRecord job) => new()
    {
        JobId = job.Id,
        State = job.Status switch
        {
            JobStatus.Queued => JobState.Queued,
            JobStatus.Running => JobState.Running,
            JobStatus.Succeeded => JobState.Succeeded,
            JobStatus.Failed => JobState.Failed,
            _ => JobState.Cancelled,
        },
        Description = job.Description,
        CreatedUtc = Format(job.CreatedUtc),
        StartedUtc = Format(job.StartedUtc),
        FinishedUtc = Format(job.FinishedUtc),
        Message = job.Message ?? "",
        OutputModel = job.OutputModel ?? "",
        Step = job.Step,
        TotalSteps = job.TotalSteps,
        Device = job.Device,
    };

    public static JobEvent ToEvent(JobRecord job, DateTime nowUtc)
    {
        var e = new JobEvent
        {
            Job = ToInfo(job),
            Loss = job.Loss,
            LearningRate = job.LearningRate,
            Epoch = job.Epoch,
            EtaSeconds = job.EtaSeconds(nowUtc),
        };
        e.Metrics.AddRange(job.Metrics.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => new EvalMetric { Name = m.Key, Value = m.Value }));
        return e;
    }

    private static string Format(DateTime? utc) => utc is DateTime t ? t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'") : "";
}
