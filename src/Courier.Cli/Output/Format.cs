using System.Globalization;
using Courier.Core.Domain;

namespace Courier.Cli.Output;

/// <summary>How numbers, sizes, times and states read in the CLI's human output.</summary>
internal static class Format
{
    private static readonly string[] Units = ["B", "KiB", "MiB", "GiB", "TiB"];

    public static string Bytes(long? bytes)
    {
        if (bytes is not { } value)
        {
            return "-";
        }

        double size = value;
        var unit = 0;
        while (size >= 1024 && unit < Units.Length - 1)
        {
            size /= 1024;
            unit++;
        }

        return unit == 0 ? $"{value} B" : string.Create(CultureInfo.InvariantCulture, $"{size:0.0} {Units[unit]}");
    }

    public static string Duration(TimeSpan? duration)
    {
        if (duration is not { } value)
        {
            return "-";
        }

        if (value < TimeSpan.FromMinutes(1))
        {
            return string.Create(CultureInfo.InvariantCulture, $"{value.TotalSeconds:0.00} s");
        }

        return value < TimeSpan.FromHours(1)
            ? string.Create(CultureInfo.InvariantCulture, $"{(int)value.TotalMinutes}m {value.Seconds:00}s")
            : string.Create(CultureInfo.InvariantCulture, $"{(int)value.TotalHours}h {value.Minutes:00}m");
    }

    public static string Seconds(double? seconds) =>
        seconds is { } value ? string.Create(CultureInfo.InvariantCulture, $"{value:0.###} s") : "-";

    public static string Rate(double? rate) =>
        rate is { } value ? string.Create(CultureInfo.InvariantCulture, $"{value * 100:0.0} %") : "-";

    /// <summary>A moment in UTC, and how far it is from <paramref name="now"/>: <c>10:00:30Z (in 25 s)</c>; the date too when it is not today.</summary>
    public static string When(DateTimeOffset? at, DateTimeOffset now)
    {
        if (at is not { } value)
        {
            return "-";
        }

        var format = value.UtcDateTime.Date == now.UtcDateTime.Date ? "HH:mm:ssZ" : "yyyy-MM-dd HH:mm:ssZ";
        var text = value.UtcDateTime.ToString(format, CultureInfo.InvariantCulture);
        var delta = value - now;
        var span = Relative(delta.Duration());
        return delta >= TimeSpan.Zero ? $"{text} (in {span})" : $"{text} ({span} ago)";
    }

    public static string Utc(DateTimeOffset? at) =>
        at is { } value ? value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ssZ", CultureInfo.InvariantCulture) : "-";

    /// <summary>A state as the API writes it: <c>in_flight</c>.</summary>
    public static string State(DeliveryState state) => state.Name();

    public static string State(VideoState state) => state.ToString().ToLowerInvariant();

    private static string Relative(TimeSpan span) =>
        span < TimeSpan.FromMinutes(1) ? $"{(int)Math.Round(span.TotalSeconds)} s"
        : span < TimeSpan.FromHours(1) ? $"{(int)span.TotalMinutes} min"
        : span < TimeSpan.FromDays(2) ? string.Create(CultureInfo.InvariantCulture, $"{span.TotalHours:0.#} h")
        : $"{(int)span.TotalDays} days";
}
