using System.Runtime.InteropServices;

using SemanticSearch.Tensors;

namespace SemanticSearch.Bench;

/// <summary>
/// CPU time actually consumed (Linux clock_gettime), for benchmarks on a shared machine: time a
/// process spends descheduled is not counted, so flops per CPU-second measures code efficiency
/// even when wall-clock numbers are swamped by other load.
/// </summary>
internal static unsafe class CpuClock
{
    private const int ProcessCpuTime = 2, ThreadCpuTime = 3; // CLOCK_PROCESS_CPUTIME_ID, CLOCK_THREAD_CPUTIME_ID

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec { public nint Seconds; public nint Nanoseconds; }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, TimeSpec* time);

    public static bool IsAvailable { get; } = OperatingSystem.IsLinux() && Probe();

    /// <summary>CPU seconds used by all threads of this process.</summary>
    public static double ProcessSeconds() => Read(ProcessCpuTime);

    /// <summary>CPU seconds used by the calling thread.</summary>
    public static double ThreadSeconds() => Read(ThreadCpuTime);

    private static double Read(int clock)
    {
        if (!IsAvailable) return double.NaN;
        TimeSpec t;
        return ClockGetTime(clock, &t) == 0 ? t.Seconds + t.Nanoseconds * 1e-9 : double.NaN;
    }

    private static bool Probe()
    {
        try { TimeSpec t; return ClockGetTime(ThreadCpuTime, &t) == 0; }
        catch (DllNotFoundException) { return false; }
        catch (EntryPointNotFoundException) { return false; }
    }
}
