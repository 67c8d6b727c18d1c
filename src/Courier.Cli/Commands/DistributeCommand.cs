using System.Globalization;
using System.CommandLine;
using Courier.Cli.Output;
using Courier.Core.Distribution;
using Courier.Core.Domain;
using Courier.Core.Reports;
using Spectre.Console;

namespace Courier.Cli.Commands;

/// <summary><c>courier distribute</c>: the synchronous path from the command line, with live progress and the full report.</summary>
internal static class DistributeCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var video = CommonOptions.Video();
        var renditions = new Option<string[]>("--rendition", "-r")
        {
            Description = "A rendition as NAME=PATH, PATH relative to the source root: a file (360p=movie-42/360p.mp4) or a package directory (1080p=movie-42/hls-1080p/). Repeat for each rendition.",
            HelpName = "NAME=PATH",
            Required = true,
            Arity = ArgumentArity.OneOrMore,
        };
        var targets = CommonOptions.Targets();
        var window = new WindowOptions();
        var json = CommonOptions.Json("the video's report");
        var command = new Command("distribute", "Push a transcoded video's renditions to every target now, and report. What fails is queued for the scanner of `courier serve`. Exit code: 0 all delivered, 2 bad input (nothing stored), 3 some queued, 4 some dead, 1 anything else.")
        {
            video,
            renditions,
            targets,
        };
        window.AddTo(command);
        command.Options.Add(json);
        common.SetAction(command, (result, config, verbose, _) => RunAsync(
            config,
            verbose,
            result.GetRequiredValue(video),
            result.GetValue(renditions) ?? [],
            result.GetValue(targets) ?? [],
            window.Read(result),
            result.GetValue(json)));
        return command;
    }

    private static async Task<int> RunAsync(string? config, bool verbose, string videoId, string[] renditionArgs, string[] targetArgs, (string? From, string? Until) window, bool json)
    {
        var renditions = renditionArgs.Select(ParseRendition).ToList();
        var request = new SubmitRequest(videoId, renditions, targetArgs.Length == 0 ? null : targetArgs) { AvailableFrom = window.From, AvailableUntil = window.Until };
        using var signals = new ShutdownSignals(() => Console.Error.WriteLine("courier: interrupted: releasing in-flight deliveries to the queue (press Ctrl-C again to quit at once)"));
        await using var host = await CliHost.OpenAsync(config, verbose, signals.Token).ConfigureAwait(false);

        // Once committed, the submission is claimed by this node: the host's session keeps the heartbeat fresh while
        // pushing, so the work is never taken over while it moves, and is taken over if this process dies.
        var terminal = Terminal.Create();
        DistributionReport report;
        try
        {
            report = await DistributeAsync(host.Get<Distributor>(), request, terminal, json, host, signals.Token).ConfigureAwait(false);
        }
        catch (BadInputException e)
        {
            throw new BadInputException(e.Field, ForCommandLine(e, renditions, host.Get<Core.Sources.SourceResolver>().SourceRoot));
        }

        if (json)
        {
            Terminal.Json(report.Video);
        }
        else
        {
            Print(terminal, report);
        }

        if (signals.Token.IsCancellationRequested)
        {
            var released = report.Results.Count(r => r.State == DeliveryState.Queued && r.ErrorKind is null);
            Console.Error.WriteLine($"courier: interrupted: {released} deliveries released to the queue; `courier serve` delivers them");
        }

        return ExitCodeOf(report.Video);
    }

    /// <summary>
    /// 0 when every delivery is done (delivered; for a removal, removed) or scheduled for its licence window, 4 when any is dead, else 3 (queued, or in flight
    /// elsewhere). Superseded deliveries (a newer version took over) count for neither.
    /// </summary>
    internal static int ExitCodeOf(VideoReport video)
    {
        var live = video.Deliveries.Where(d => d.State != DeliveryState.Superseded).ToList();
        if (live.Exists(d => d.State == DeliveryState.Dead))
        {
            return ExitCodes.Dead;
        }

        // Scheduled deliveries wait for their licence window by the user's choice: not a failure, nothing to retry.
        return live.Count > 0 && live.TrueForAll(d => d.State is DeliveryState.Delivered or DeliveryState.Removed or DeliveryState.Scheduled) ? ExitCodes.Ok : ExitCodes.Queued;
    }

    private static async Task<DistributionReport> DistributeAsync(Distributor distributor, SubmitRequest request, Terminal terminal, bool json, CliHost host, CancellationToken cancellationToken)
    {
        if (json)
        {
            return await distributor.DistributeAsync(request, null, cancellationToken).ConfigureAwait(false);
        }

        if (!terminal.IsInteractive)
        {
            return await distributor.DistributeAsync(request, new PlainProgressObserver(Console.Out), cancellationToken).ConfigureAwait(false);
        }

        // A row per delivery appears once the submission is committed (none when it was already submitted).
        using var held = host.Logs.Hold();
        return await terminal.Console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new TransferSpeedColumn())
            .StartAsync(context => distributor.DistributeAsync(request, new LiveProgressObserver(context), cancellationToken)).ConfigureAwait(false);
    }

    private static void Print(Terminal terminal, DistributionReport report)
    {
        var video = report.Video;
        var results = report.Results.ToDictionary(r => r.DeliveryId);
        if (results.Count == 0)
        {
            terminal.Line($"{video.VideoId} v{video.Version} was already submitted with the same content; nothing to push now.");
        }

        DeliveryTable.Write(
            terminal,
            video,
            [],
            [
                new("bytes", d => Terminal.Cell(Format.Bytes(results.TryGetValue(d.Id, out var r) ? r.Bytes : d.Bytes))),
                new("time", d => Terminal.Cell(results.TryGetValue(d.Id, out var r) ? Format.Duration(r.Duration) : "-")),
            ],
            TimeProvider.System.GetUtcNow());
    }

    /// <summary><c>movie-42 v1: 6 delivered, 0 queued, 0 dead</c> (a removal: <c>movie-42 v3: 6 removed, …</c>; superseded ones are counted when there are any).</summary>
    internal static string Summary(VideoReport video)
    {
        int Count(DeliveryState state) => video.Deliveries.Count(d => d.State == state);
        var removal = video.State is VideoState.Removing or VideoState.Removed || video.Deliveries.Any(d => d.State == DeliveryState.Removed);
        var done = removal ? $"{Count(DeliveryState.Removed)} removed" : $"{Count(DeliveryState.Delivered)} delivered";
        var line = $"{video.VideoId} v{video.Version}: {done}, {Count(DeliveryState.Queued)} queued, {Count(DeliveryState.Dead)} dead";
        var scheduled = Count(DeliveryState.Scheduled);
        if (scheduled > 0)
        {
            line += $", {scheduled} scheduled for their licence window";
        }

        var inFlight = Count(DeliveryState.InFlight);
        if (inFlight > 0)
        {
            line += $", {inFlight} in flight elsewhere";
        }

        var superseded = Count(DeliveryState.Superseded);
        return superseded > 0 ? $"{line}, {superseded} superseded by a newer version" : line;
    }

    /// <summary>Parses <c>NAME=PATH</c>.</summary>
    internal static RenditionRequest ParseRendition(string value)
    {
        var equals = value.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0 || equals == value.Length - 1)
        {
            throw new BadInputException("--rendition", $"--rendition '{Names.Printable(value)}' must be NAME=PATH, e.g. 360p=movie-42/360p.mp4");
        }

        return new RenditionRequest(value[..equals], value[(equals + 1)..]);
    }

    /// <summary>
    /// Says what is wrong in the words of the command line, from the field the core names: <c>--rendition 360p</c> rather
    /// than <c>renditions[0].path</c>, <c>--video</c> rather than <c>videoId</c>.
    /// </summary>
    internal static string ForCommandLine(BadInputException e, IReadOnlyList<RenditionRequest> renditions, string sourceRoot)
    {
        if (WindowOptions.Message(e) is { } windowMessage)
        {
            return windowMessage;
        }

        var field = e.Field;
        if (field == "videoId")
        {
            return e.MessageFor("--video");
        }

        if (field.StartsWith("targets[", StringComparison.Ordinal))
        {
            return e.MessageFor("--target");
        }

        if (field.StartsWith("renditions[", StringComparison.Ordinal) && field.IndexOf(']', StringComparison.Ordinal) is var close and > 0)
        {
            var part = field[(close + 1)..];
            if (part == ".name")
            {
                return e.MessageFor("--rendition name");
            }

            if (part == ".path")
            {
                var index = int.TryParse(field.AsSpan("renditions[".Length, close - "renditions[".Length), CultureInfo.InvariantCulture, out var i) ? i : -1;
                var name = index >= 0 && index < renditions.Count ? Names.Printable(renditions[index].Name ?? string.Empty) : "?";
                return $"{e.MessageFor($"--rendition {name}")} (source root: {sourceRoot})";
            }
        }

        return e.Message;
    }
}
