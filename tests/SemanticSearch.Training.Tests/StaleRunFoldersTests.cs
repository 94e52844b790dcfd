using SemanticSearch.Training.Classification;

namespace SemanticSearch.Training.Tests;

public class StaleRunFoldersTests
{
    [Fact]
    public void Removes_staging_folders_of_dead_processes_only_while_the_output_exists()
    {
        string root = Path.Combine(Path.GetTempPath(), "ss-stale-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(root);
        try
        {
            string output = Path.Combine(root, "head");
            int dead = DeadPid();
            string deadStaging = Directory.CreateDirectory(output + $".partial-{dead}").FullName;
            File.WriteAllText(Path.Combine(deadStaging, "model.safetensors"), "x");
            string liveStaging = Directory.CreateDirectory(output + ".partial-1").FullName; // PID 1 always runs
            string other = Directory.CreateDirectory(Path.Combine(root, "headless.partial-" + dead)).FullName;

            // No OUTPUT yet: the dead run's staging folder may be the only finished model, so it stays.
            Assert.Empty(StaleRunFolders.RemoveLeftovers(output));
            Assert.True(Directory.Exists(deadStaging));

            Directory.CreateDirectory(output);
            var removed = StaleRunFolders.RemoveLeftovers(output);
            Assert.Equal([deadStaging], removed);
            Assert.False(Directory.Exists(deadStaging));
            Assert.True(Directory.Exists(liveStaging));
            Assert.True(Directory.Exists(other)); // another output's staging folder is not this run's business
        }
        finally { Directory.Delete(root, recursive: true); }
    }

    private static int DeadPid()
    {
        for (int pid = 4_000_000; pid > 100_000; pid -= 7919)
            if (!Directory.Exists($"/proc/{pid}")) return pid;
        throw new InvalidOperationException("no free PID found");
    }
}
