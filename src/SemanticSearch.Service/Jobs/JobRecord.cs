namespace SemanticSearch.Service.Jobs;

public enum JobStatus { Queued, Running, Succeeded, Failed, Cancelled }

/// <summary>
/// The persisted state of one fine-tuning job (one JSON file per job). Mutable only inside
/// <see cref="JobManager"/>, under its lock; everyone else gets copies from <see cref="Snapshot"/>.
/// </summary>
public sealed class JobRecord
{
    public string Id { get; set; } = "";
    public JobStatus Status { get; set; }
    public string Description { get; set; } = "";
    public DateTime CreatedUtc { get; set; }
    public DateTime? StartedUtc { get; set; }
    public DateTime? FinishedUtc { get; set; }
    public string? Message { get; set; }
    public string? OutputModel { get; set; }
    public long Step { get; set; }
    public long TotalSteps { get; set; }
    /// <summary>Step at which this run started (a resumed activation starts part-way); the ETA extrapolates from here.</summary>
    public long StartStep { get; set; }
    public int Epoch { get; set; }
    public double Loss { get; set; }
    public double LearningRate { get; set; }
    public Dictionary<string, double> Metrics { get; set; } = new();
    /// <summary>Where a fine-tuning job trains ("cpu", "torch:cpu", "torch:cuda:0"); empty for activations.</summary>
    public string Device { get; set; } = "";
    /// <summary>
    /// Records written before the request moved to its own file (<see cref="JobStore.SaveRequest"/>)
    /// carry it here, in protobuf JSON; new records leave it empty.
    /// </summary>
    public string RequestJson { get; set; } = "";

    public bool IsFinal => Status is JobStatus.Succeeded or JobStatus.Failed or JobStatus.Cancelled;

    /// <summary>Seconds left by linear extrapolation of the time per step so far; -1 when unknown.</summary>
    public double EtaSeconds(DateTime nowUtc)
    {
        if (Status != JobStatus.Running) return 0;
        if (TotalSteps > 0 && Step >= TotalSteps) return 0; // every step done; only the final save/switch is left
        if (StartedUtc is not DateTime started || Step <= StartStep) return -1;
        double perStep = (nowUtc - started).TotalSeconds / (Step - StartStep);
        return perStep * (TotalSteps - Step);
    }

    public JobRecord Snapshot()
    {
        var copy = (JobRecord)MemberwiseClone();
        copy.Metrics = new Dictionary<string, double>(Metrics);
        return copy;
    }
}
