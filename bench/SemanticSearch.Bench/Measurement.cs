using System.Diagnostics;

namespace SemanticSearch.Bench;

/// <summary>Wall-clock and process CPU seconds of one timed action.</summary>
internal readonly record struct Measurement(double WallSeconds, double CpuSeconds)
{
    public static Measurement Of(Action action)
    {
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpuStart = process.TotalProcessorTime;
        long start = Stopwatch.GetTimestamp();
        action();
        double wall = Stopwatch.GetElapsedTime(start).TotalSeconds;
        process.Refresh();
        return new Measurement(wall, (process.TotalProcessorTime - cpuStart).TotalSeconds);
    }

    /// <summary>Runs <paramref name="action"/> <paramref name="runs"/> times; the fastest wall time and the least CPU time (each its own best).</summary>
    public static Measurement BestOf(int runs, Action action)
    {
        double wall = double.MaxValue, cpu = double.MaxValue;
        for (int i = 0; i < runs; i++)
        {
            var m = Of(action);
            wall = Math.Min(wall, m.WallSeconds);
            cpu = Math.Min(cpu, m.CpuSeconds);
        }
        return new Measurement(wall, cpu);
    }
}
