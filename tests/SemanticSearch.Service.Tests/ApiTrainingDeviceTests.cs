using SemanticSearch.Service.Api;
using SemanticSearch.Service.Api.V1;
using SemanticSearch.Service.Jobs;

namespace SemanticSearch.Service.Tests;

/// <summary>StartFineTune's device/backend fields: the torch backend trains a job, the job reports its device, bad values are refused.</summary>
public sealed class ApiTrainingDeviceTests
{
    private static StartFineTuneRequest Request(string backend, string device)
    {
        var req = new StartFineTuneRequest { Pairs = new PairList(), Options = new TrainingOptions { BatchSize = 4, Epochs = 1, LearningRate = 1e-4, Seed = 1 }, Backend = backend, Device = device };
        foreach (var d in ApiTestCorpus.Documents().Take(8)) req.Pairs.Pairs.Add(new TrainingPair { TextA = d.Title, TextB = d.Text });
        return req;
    }

    private static JobRecord RunJob(string root, StartFineTuneRequest request)
    {
        using var jobs = new JobManager(new JobStore(Path.Combine(root, "jobs")), new FineTunerRunner(), Path.Combine(root, "m"), id => Path.Combine(root, "models", id), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var job = jobs.Submit(request);
        for (int i = 0; i < 600 && !jobs.Find(job.Id)!.IsFinal; i++) Thread.Sleep(100);
        return jobs.Find(job.Id)!;
    }

    [Fact]
    public void A_torch_job_SUCCEEDS_and_reports_its_device_and_cuda_without_a_runtime_FAILS_naming_what_to_install()
    {
        string root = Path.Combine(Path.GetTempPath(), "semsearch-device-" + Guid.NewGuid().ToString("N")[..6]);
        try
        {
            ApiTestCorpus.WriteTinyModel(Path.Combine(root, "m"));
            var done = RunJob(root, Request("torch", "cpu"));
            Assert.True(done.Status == JobStatus.Succeeded, done.Status + ": " + done.Message);
            Assert.Equal("torch:cpu", JobMessages.ToInfo(done).Device);
            Assert.True(File.Exists(Path.Combine(done.OutputModel!, "config.json")));
            Assert.Equal("cpu", JobMessages.ToInfo(RunJob(root, Request("", ""))).Device);
            if (TorchSharp.torch.cuda.is_available()) return; // a GPU machine: tools/gpu-check.sh
            var cuda = RunJob(root, Request("", "cuda"));
            Assert.Equal(JobStatus.Failed, cuda.Status);
            Assert.Equal("torch:cuda:0", cuda.Device);
            Assert.Contains("TorchRuntime=cuda", cuda.Message);
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    [Theory]
    [InlineData("", "gpu", "device 'gpu'")]
    [InlineData("tensorflow", "cpu", "backend 'tensorflow'")]
    [InlineData("managed", "cuda:1", "needs the torch backend")]
    public void Bad_device_or_backend_is_refused_before_queueing(string backend, string device, string expected)
    {
        var e = Assert.ThrowsAny<Exception>(() => TrainingOptionsValidator.Validate(Request(backend, device)));
        Assert.Contains("RpcException", e.GetType().Name);
        Assert.Contains(expected, e.ToString());
    }
}
