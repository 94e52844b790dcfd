using System.Globalization;

namespace SemanticSearch.Service.Rpc;

/// <summary>
/// The grpc-timeout header: 1–8 ASCII digits followed by a unit (H hours, M minutes, S seconds,
/// m milliseconds, u microseconds, n nanoseconds).
/// </summary>
public static class GrpcTimeout
{
    private const int MaxDigits = 8;
    private const long MaxValue = 99_999_999;

    public static bool TryParse(string? header, out TimeSpan timeout)
    {
        timeout = default;
        if (string.IsNullOrEmpty(header) || header.Length < 2 || header.Length > MaxDigits + 1)
        {
            return false;
        }
        var digits = header.AsSpan(0, header.Length - 1);
        foreach (var c in digits)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }
        var value = long.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
        // Ticks are 100 ns; 99,999,999 hours still fits in a TimeSpan, so no unit can overflow.
        timeout = header[^1] switch
        {
            'H' => TimeSpan.FromHours(value),
            'M' => TimeSpan.FromMinutes(value),
            'S' => TimeSpan.FromSeconds(value),
            'm' => TimeSpan.FromMilliseconds(value),
            'u' => TimeSpan.FromTicks(value * 10),
            'n' => TimeSpan.FromTicks(value / 100),
            _ => TimeSpan.MinValue,
        };
        return timeout != TimeSpan.MinValue;
    }

    /// <summary>
    /// Formats with the finest unit whose value fits in 8 digits, rounding up so the server never
    /// sees a shorter deadline than the client's.
    /// </summary>
    public static string Format(TimeSpan timeout)
    {
        if (timeout <= TimeSpan.Zero)
        {
            return "0n";
        }
        var ticks = timeout.Ticks;
        (long perUnit, char unit)[] units =
        [
            (0, 'n'),
            (10, 'u'),
            (TimeSpan.TicksPerMillisecond, 'm'),
            (TimeSpan.TicksPerSecond, 'S'),
            (TimeSpan.TicksPerMinute, 'M'),
            (TimeSpan.TicksPerHour, 'H'),
        ];
        foreach (var (perUnit, unit) in units)
        {
            long value = perUnit == 0
                ? (ticks <= MaxValue / 100 ? ticks * 100 : long.MaxValue)
                : (ticks + perUnit - 1) / perUnit;
            if (value <= MaxValue)
            {
                return value.ToString(CultureInfo.InvariantCulture) + unit;
            }
        }
        return MaxValue.ToString(CultureInfo.InvariantCulture) + "H";
    }
}
