using Microsoft.Extensions.Logging.Abstractions;
using SemanticSearch.Service.Api.V1;
using SemanticSearch.Service.Jobs;

namespace SemanticSearch.Service.Tests;

/// <summary>The job manager against a scripted runner: order, one at a time, cancel, persistence, watchers, bounds.</summary>
public sealed class ApiJobManagerTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "semsearch-jobs-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>Reports `steps` steps; each step waits for a permit so tests control the pace.</summary>
    private sealed class ScriptedRunner(int steps) : IFineTuneRunner
    {
        public readonly SemaphoreSlim Permits = new(0);
        public readonly List<string> Started = new();
        public readonly List<string?> BaseModels = new();
        public int Concurrent, MaxConcurrent;

        public string Run(FineTuneWork work, Action<FineTuneProgress> report, CancellationToken cancellationToken)
        {
            lock (Started) { Started.Add(work.JobId); BaseModels.Add(work.BaseModelPath); }
            int now = Interlocked.Increment(ref Concurrent);
            lock (Started) MaxConcurrent = Math.Max(MaxConcurrent, now);
            try
            {
                for (int s = 1; s <= steps; s++)
                {
                    Permits.Wait(cancellationToken);
                    report(new FineTuneProgress(s, steps, 1, 1.0 / s, 2e-5, [new("eval_mrr@10", 0.1 * s)]));
                }
                if (work.Request.Description == "explode") throw new InvalidOperationException("loss diverged at step 3");
                return work.OutputModelDirectory;
            }
            finally { Interlocked.Decrement(ref Concurrent); }
        }
    }

    private JobManager Manager(IFineTuneRunner? runner, int capacity = 16) =>
        new(new JobStore(Path.Combine(_root, "jobs")), runner, null, id => Path.Combine(_root, "models", id), NullLogger.Instance, capacity);

    private static StartFineTuneRequest Request(string description)
    {
        var r = new StartFineTuneRequest { Description = description, Pairs = new PairList() };
        r.Pairs.Pairs.Add(new TrainingPair { TextA = "a", TextB = "b" });
        return r;
    }

    private static async Task<JobRecord> WaitFor(JobManager jobs, string id, Func<JobRecord, bool> condition)
    {
        for (int i = 0; i < 500; i++)
        {
            var job = jobs.Find(id)!;
            if (condition(job)) return job;
            await Task.Delay(10);
        }
        throw new TimeoutException($"job {id} is {jobs.Find(id)!.Status}");
    }

    [Fact]
    public async Task Jobs_run_one_at_a_time_in_order_and_report_progress_and_output()
    {
        var runner = new ScriptedRunner(steps: 2);
        using var jobs = Manager(runner);
        var a = jobs.Submit(Request("a"));
        var b = jobs.Submit(Request("b"));
        await WaitFor(jobs, a.Id, j => j.Status == JobStatus.Running);
        Assert.Equal(JobStatus.Queued, jobs.Find(b.Id)!.Status);
        runner.Permits.Release(4);
        var doneB = await WaitFor(jobs, b.Id, j => j.IsFinal);
        var doneA = jobs.Find(a.Id)!;
        Assert.Equal(JobStatus.Succeeded, doneA.Status);
        Assert.Equal(JobStatus.Succeeded, doneB.Status);
        Assert.Equal([a.Id, b.Id], runner.Started);
        Assert.Equal(1, runner.MaxConcurrent);
        Assert.Equal(2, doneA.Step);
        Assert.Equal(0.2, doneA.Metrics["eval_mrr@10"], 10);
        Assert.Equal(Path.Combine(_root, "models", a.Id), doneA.OutputModel);
        Assert.Equal([b.Id, a.Id], jobs.List().Select(j => j.Id)); // newest first
    }

    [Fact]
    public async Task After_a_model_is_activated_new_jobs_fine_tune_that_model()
    {
        var runner = new ScriptedRunner(steps: 1);
        using var jobs = Manager(runner);
        Assert.False(jobs.HasBaseModel);
        jobs.UseBaseModel("/models/activated");
        Assert.True(jobs.HasBaseModel);
        var job = jobs.Submit(Request("after activation"));
        runner.Permits.Release(1);
        Assert.Equal(JobStatus.Succeeded, (await WaitFor(jobs, job.Id, j => j.IsFinal)).Status);
        Assert.Equal(["/models/activated"], runner.BaseModels);
    }

    [Fact]
    public async Task Cancel_stops_a_running_job_and_removes_a_queued_one()
    {
        var runner = new ScriptedRunner(steps: 100);
        using var jobs = Manager(runner);
        var running = jobs.Submit(Request("running"));
        var queued = jobs.Submit(Request("queued"));
        await WaitFor(jobs, running.Id, j => j.Status == JobStatus.Running);
        Assert.Equal(JobStatus.Cancelled, jobs.Cancel(queued.Id)!.Status);
        jobs.Cancel(running.Id);
        var cancelled = await WaitFor(jobs, running.Id, j => j.IsFinal);
        Assert.Equal(JobStatus.Cancelled, cancelled.Status);
        Assert.Equal("cancelled by request", cancelled.Message);
        Assert.DoesNotContain(queued.Id, runner.Started);
        Assert.Null(jobs.Cancel("unknown"));
    }

    [Fact]
    public async Task A_runner_failure_marks_the_job_FAILED_with_its_message()
    {
        var runner = new ScriptedRunner(steps: 1);
        using var jobs = Manager(runner);
        var job = jobs.Submit(Request("explode"));
        runner.Permits.Release();
        var failed = await WaitFor(jobs, job.Id, j => j.IsFinal);
        Assert.Equal(JobStatus.Failed, failed.Status);
        Assert.Equal("loss diverged at step 3", failed.Message);
    }

    [Fact]
    public async Task State_survives_a_restart_and_a_job_interrupted_by_shutdown_is_FAILED_saying_so()
    {
        var runner = new ScriptedRunner(steps: 100);
        string finishedId, interruptedId;
        using (var jobs = Manager(runner))
        {
            var finished = jobs.Submit(Request("quick"));
            runner.Permits.Release(100);
            await WaitFor(jobs, finished.Id, j => j.IsFinal);
            finishedId = finished.Id;
            var interrupted = jobs.Submit(Request("long"));
            await WaitFor(jobs, interrupted.Id, j => j.Status == JobStatus.Running);
            interruptedId = interrupted.Id;
        }
        using var reopened = Manager(null);
        Assert.Equal(JobStatus.Succeeded, reopened.Find(finishedId)!.Status);
        var after = reopened.Find(interruptedId)!;
        Assert.Equal(JobStatus.Failed, after.Status);
        Assert.Contains("server stopped", after.Message);
        Assert.Equal(2, reopened.List().Count);
    }

    [Fact]
    public async Task Watchers_get_the_current_state_then_changes_and_the_stream_ends_at_the_final_state()
    {
        var runner = new ScriptedRunner(steps: 3);
        using var jobs = Manager(runner);
        var job = jobs.Submit(Request("watched"));
        var updates = jobs.Watch(job.Id, out var unsubscribe)!;
        var seen = new List<JobRecord>();
        var reading = Task.Run(async () => { await foreach (var u in updates.ReadAllAsync()) { seen.Add(u); runner.Permits.Release(); } });
        runner.Permits.Release();
        await reading.WaitAsync(TimeSpan.FromSeconds(10));
        unsubscribe();
        Assert.Equal(JobStatus.Succeeded, seen[^1].Status);
        Assert.Equal(3, seen[^1].Step);
        Assert.Null(jobs.Watch("nope", out _));
    }

    [Fact]
    public void A_full_queue_refuses_the_next_job_and_no_runner_refuses_every_job()
    {
        var runner = new ScriptedRunner(steps: 100);
        using var jobs = Manager(runner, capacity: 1);
        jobs.Submit(Request("running"));
        SpinWait.SpinUntil(() => runner.Started.Count == 1, TimeSpan.FromSeconds(10));
        jobs.Submit(Request("waiting"));
        var e = Assert.Throws<JobQueueFullException>(() => jobs.Submit(Request("one too many")));
        Assert.Contains("queue is full", e.Message);
        using var none = new JobManager(new JobStore(Path.Combine(_root, "other")), null, null, id => id, NullLogger.Instance);
        Assert.False(none.CanRun);
        Assert.Throws<InvalidOperationException>(() => none.Submit(Request("x")));
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public async Task The_request_is_stored_once_beside_a_small_record_and_old_finished_jobs_are_pruned_with_their_models()
    {
        var runner = new ScriptedRunner(steps: 1);
        using var jobs = Manager(runner, capacity: 4);
        var big = Request("big");
        big.Pairs.Pairs[0].TextA = new string('p', 200_000);
        var first = jobs.Submit(big);
        string record = Path.Combine(_root, "jobs", first.Id + ".json");
        Assert.True(new FileInfo(record).Length < 10_000, "the record holds the request");
        Assert.True(File.Exists(Path.Combine(_root, "jobs", first.Id + ".request.pb")));
        runner.Permits.Release(1);
        await WaitFor(jobs, first.Id, j => j.IsFinal);
        Directory.CreateDirectory(Path.Combine(_root, "models", first.Id)); // its output model
        Assert.False(File.Exists(Path.Combine(_root, "jobs", first.Id + ".request.pb")), "a finished job keeps its request");
        for (int i = 0; i < JobManager.MaxFinishedJobs; i++)
        {
            var job = jobs.Submit(Request($"j{i}"));
            runner.Permits.Release(1);
            await WaitFor(jobs, job.Id, j => j.IsFinal);
        }
        Assert.Equal(JobManager.MaxFinishedJobs, jobs.List().Count);
        Assert.Null(jobs.Find(first.Id));
        Assert.False(File.Exists(record));
        Assert.False(Directory.Exists(Path.Combine(_root, "models", first.Id)));
    }
}
