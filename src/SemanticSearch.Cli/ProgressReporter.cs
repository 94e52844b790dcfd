using System.Diagnostics;

namespace SemanticSearch.Cli;

/// <summary>
/// Progress of long work on stderr: count, rate and ETA, redrawn at most a few times a second so
/// it never slows the work. Silent for short jobs and when stderr is not a terminal unless forced.
/// </summary>
public sealed class ProgressReporter
{
    private readonly TextWriter _err;
    private readonly string _unit;
    private readonly long? _total;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly bool _interactive;
    private TimeSpan _lastDraw = TimeSpan.Zero;
    private long _done;

    public ProgressReporter(TextWriter stderr, string unit, long? total)
    {
        _err = stderr; _unit = unit; _total = total;
        _interactive = ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected;
    }

    public long Done => _done;
    public TimeSpan Elapsed => _clock.Elapsed;

    public void Advance(long count)
    {
        _done += count;
        // Interactive: redraw 4×/s in place. Redirected (logs, CI): one line every 5 s.
        var interval = _interactive ? TimeSpan.FromMilliseconds(250) : TimeSpan.FromSeconds(5);
        if (_clock.Elapsed - _lastDraw < interval) return;
        _lastDraw = _clock.Elapsed;
        Draw(final: false);
    }

    public void Finish()
    {
        if (_clock.Elapsed > TimeSpan.FromSeconds(1) || !_interactive) Draw(final: true);
    }

    private void Draw(bool final)
    {
        double secs = Math.Max(_clock.Elapsed.TotalSeconds, 1e-9);
        double rate = _done / secs;
        string line = _total is long t && t > 0
            ? $"{_done}/{t} {_unit} ({100.0 * _done / t:F1}%)  {rate:F1} {_unit}/s  ETA {FormatEta(rate > 0 ? (t - _done) / rate : double.NaN)}"
            : $"{_done} {_unit}  {rate:F1} {_unit}/s  elapsed {FormatEta(secs)}";
        if (_interactive) _err.Write("\r" + line.PadRight(78) + (final ? "\n" : ""));
        else _err.WriteLine(line);
    }

    private static string FormatEta(double seconds) =>
        double.IsFinite(seconds) ? TimeSpan.FromSeconds(Math.Round(seconds)).ToString(seconds >= 3600 ? @"h\:mm\:ss" : @"m\:ss") : "?";
}
