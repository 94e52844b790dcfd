using SemanticSearch.Service.Api.V1;
using SemanticSearch.Service.Jobs;
namespace SemanticSearch.Service.Tests;
/// <summary>The real training engine behind the job manager, in process: a tiny model, 8 pairs, 2 steps.</summary>
public sealed class ApiFineTunerRunnerTests
{
    [Fact]
    public void FineTunerRunner_trains_two_steps_and_a_job_through_the_manager_SUCCEEDS_with_a_saved_model()
    {
        string root = Path.Combine(Path.GetTempPath(), "semsearch-runner-" + Guid.NewGuid().ToString("N")[..6]);
        ApiTestCorpus.WriteTinyModel(Path.Combine(root, "m"));
        var req = new StartFineTuneRequest { Pairs = new PairList(), Options = new TrainingOptions { BatchSize = 4, Epochs = 1, LearningRate = 1e-4, Seed = 1 } };
        foreach (var d in ApiTestCorpus.Documents().Take(8)) req.Pairs.Pairs.Add(new TrainingPair { TextA = d.Title, TextB = d.Text });
        var steps = new List<FineTuneProgress>();
        string output = new FineTunerRunner().Run(new FineTuneWork("j", req, Path.Combine(root, "m"), Path.Combine(root, "out")), steps.Add, default);
        Assert.Equal(2, steps.Count(s => s.Step > 0));
        using var jobs = new JobManager(new JobStore(Path.Combine(root, "jobs")), new FineTunerRunner(), Path.Combine(root, "m"), id => Path.Combine(root, "models", id), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var job = jobs.Submit(req);
        for (int i = 0; i < 600 && !jobs.Find(job.Id)!.IsFinal; i++) Thread.Sleep(100);
        var done = jobs.Find(job.Id)!;
        Assert.True(done.Status == JobStatus.Succeeded, done.Status + ": " + done.Message);
        Assert.True(File.Exists(Path.Combine(done.OutputModel!, "config.json")));
        Assert.True(File.Exists(Path.Combine(output, "config.json")));
        Directory.Delete(root, recursive: true);
    }
}
