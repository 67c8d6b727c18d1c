using System.CommandLine;
using Courier.Cli.Output;
using Courier.Core.Distribution;
using Courier.Core.Domain;
using Courier.Core.Ingest;
using Courier.Core.Sources;
using Spectre.Console;

namespace Courier.Cli.Commands;

/// <summary><c>courier ingest</c>: transcode a source into the ladder and distribute each rendition the moment it is encoded.</summary>
internal static class IngestCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var source = new Argument<string>("SOURCE")
        {
            Description = "The source video: a file under the source root (a path from here, e.g. media/raw/movie-42.mov, or from the source root).",
        };
        var video = CommonOptions.Video();
        var ladder = new Option<string?>("--ladder")
        {
            Description = "The rungs to encode, comma-separated, from 240p, 360p, 480p, 720p, 1080p; none above the source's height. Default: Courier:Ingest:Ladder (360p,720p,1080p).",
            HelpName = "NAME,...",
        };
        var targets = CommonOptions.Targets();
        var window = new WindowOptions();
        var json = CommonOptions.Json("the ingest report");
        var command = new Command("ingest", "Transcode a source with ffmpeg into an HLS ladder (H.264 + AAC, 4 s segments) and push each rendition to every target the moment it is encoded; {videoId}/master.m3u8 is published at a target once every rendition is there. Exit code as distribute: 0 all delivered, 2 bad input (nothing stored), 3 some queued, 4 some dead, 1 anything else.")
        {
            source,
            video,
            ladder,
            targets,
        };
        window.AddTo(command);
        command.Options.Add(json);
        common.SetAction(command, (result, config, verbose, _) => RunAsync(
            config,
            verbose,
            result.GetRequiredValue(source),
            result.GetRequiredValue(video),
            result.GetValue(ladder),
            result.GetValue(targets) ?? [],
            window.Read(result),
            result.GetValue(json)));
        return command;
    }

    private static async Task<int> RunAsync(string? config, bool verbose, string sourceArg, string videoId, string? ladder, string[] targetArgs, (string? From, string? Until) window, bool json)
    {
        using var signals = new ShutdownSignals(() => Console.Error.WriteLine("courier: interrupted: stopping the transcode and releasing in-flight deliveries to the queue (press Ctrl-C again to quit at once)"));
        await using var host = await CliHost.OpenAsync(config, verbose, signals.Token).ConfigureAwait(false);
        var sourceRoot = host.Get<SourceResolver>().SourceRoot;
        var request = new IngestRequest(videoId, FromSourceRoot(sourceArg, sourceRoot), ladder is null ? null : [ladder], targetArgs.Length == 0 ? null : targetArgs)
        {
            AvailableFrom = window.From,
            AvailableUntil = window.Until,
        };
        var ingest = host.Get<IngestService>();
        IngestPlan plan;
        try
        {
            plan = await ingest.PlanAsync(request, signals.Token).ConfigureAwait(false);
        }
        catch (BadInputException e)
        {
            throw new BadInputException(e.Field, ForCommandLine(e, sourceRoot));
        }

        // Each rendition's submission is durable and claimed by this node: the host's session keeps the heartbeat fresh
        // while pushing, so the work is taken over if this process dies.
        var terminal = Terminal.Create();
        IngestReport report;
        try
        {
            report = await RunAsync(ingest, plan, terminal, json, host, signals.Token).ConfigureAwait(false);
        }
        catch (BadInputException e)
        {
            throw new BadInputException(e.Field, ForCommandLine(e, sourceRoot));
        }

        if (json)
        {
            Terminal.Json(report);
        }
        else
        {
            Print(terminal, report);
        }

        return DistributeCommand.ExitCodeOf(report.Video);
    }

    private static async Task<IngestReport> RunAsync(IngestService ingest, IngestPlan plan, Terminal terminal, bool json, CliHost host, CancellationToken cancellationToken)
    {
        if (json)
        {
            return await ingest.RunAsync(plan, null, cancellationToken).ConfigureAwait(false);
        }

        if (!terminal.IsInteractive)
        {
            return await ingest.RunAsync(plan, new PlainIngestObserver(Console.Out), cancellationToken).ConfigureAwait(false);
        }

        using var held = host.Logs.Hold();
        return await terminal.Console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn())
            .StartAsync(context => ingest.RunAsync(plan, new LiveIngestObserver(context), cancellationToken)).ConfigureAwait(false);
    }

    private static void Print(Terminal terminal, IngestReport report)
    {
        foreach (var rendition in report.Renditions)
        {
            terminal.Line($"{rendition.Name}: {rendition.Width}x{rendition.Height}, transcoded in {Format.Seconds(rendition.TranscodeSeconds)}");
        }

        DeliveryTable.Write(terminal, report.Video, [], [], TimeProvider.System.GetUtcNow());
        foreach (var target in report.Targets)
        {
            terminal.Line($"{target.Target}: first rendition after {Format.Seconds(target.FirstRenditionSeconds)}, all after {Format.Seconds(target.AllRenditionsSeconds)}");
        }

        terminal.Line(report.AvailableAt.Count == 0
            ? $"{report.Video.VideoId}/master.m3u8 is not published yet: it is, at each target, once every rendition is delivered there"
            : $"{report.Video.VideoId}/master.m3u8 published at: {string.Join(", ", report.AvailableAt)}");
    }

    /// <summary>The source relative to the source root: a path from the working directory that lies under it, or already relative to it.</summary>
    internal static string FromSourceRoot(string source, string sourceRoot)
    {
        var fromHere = Path.GetFullPath(source);
        var relative = Path.GetRelativePath(sourceRoot, fromHere);
        var underRoot = !relative.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(relative);
        if (File.Exists(fromHere) || Directory.Exists(fromHere) || Path.IsPathRooted(source))
        {
            return underRoot ? relative.Replace('\\', '/') : (Path.IsPathRooted(source) ? source : fromHere);
        }

        return source;
    }

    /// <summary>Says what is wrong in the words of the command line (<c>--video</c> rather than <c>videoId</c>).</summary>
    private static string ForCommandLine(BadInputException e, string sourceRoot) => e.Field switch
    {
        "availableFrom" or "availableUntil" => WindowOptions.Message(e)!,
        "videoId" => e.MessageFor("--video"),
        "ladder" => e.MessageFor("--ladder"),
        "source" when e.Message.Contains("source root", StringComparison.Ordinal) || e.Message.Contains("absolute", StringComparison.Ordinal) => $"{e.MessageFor("SOURCE")} (source root: {sourceRoot})",
        "source" => e.MessageFor("SOURCE"),
        var f when f.StartsWith("targets[", StringComparison.Ordinal) => e.MessageFor("--target"),
        _ => e.Message,
    };

    /// <summary>For redirected output: a line when each rung is encoded, then one per delivery as it finishes.</summary>
    private sealed class PlainIngestObserver(TextWriter writer) : IIngestObserver
    {
        private readonly PlainProgressObserver _pushes = new(writer);

        public void Planned(IReadOnlyList<LadderRung> rungs)
        {
            lock (writer)
            {
                writer.WriteLine($"transcoding {string.Join(", ", rungs.Select(r => r.Name))}");
                writer.Flush();
            }
        }

        public void Transcoding(string rendition, double share)
        {
        }

        public IDistributionObserver? Submitted(Submission submission)
        {
            lock (writer)
            {
                writer.WriteLine($"{string.Join(", ", submission.Renditions.Keys)}: transcoded, pushing to {string.Join(", ", submission.Claimed.Select(c => c.Target).Distinct())}");
                writer.Flush();
            }

            return _pushes;
        }
    }

    /// <summary>On a terminal: a bar per rung's transcode (%, as ffmpeg reports it), then a row per rendition × target push.</summary>
    private sealed class LiveIngestObserver(ProgressContext context) : IIngestObserver
    {
        private readonly Dictionary<string, ProgressTask> _transcodes = new(StringComparer.Ordinal);
        private readonly LiveProgressObserver _pushes = new();

        public void Planned(IReadOnlyList<LadderRung> rungs)
        {
            foreach (var rung in rungs)
            {
                _transcodes[rung.Name] = context.AddTask($"{Markup.Escape(rung.Name)} transcode", autoStart: false, maxValue: 1.0);
            }
        }

        public void Transcoding(string rendition, double share)
        {
            if (_transcodes.TryGetValue(rendition, out var task))
            {
                task.StartTask();
                task.Value = share;
            }
        }

        public IDistributionObserver? Submitted(Submission submission)
        {
            foreach (var delivery in submission.Claimed)
            {
                _pushes.Add(context, delivery, submission.Renditions[delivery.Rendition].TotalBytes);
            }

            foreach (var name in submission.Renditions.Keys)
            {
                if (_transcodes.TryGetValue(name, out var task))
                {
                    task.Value = task.MaxValue;
                    task.StopTask();
                }
            }

            return _pushes;
        }
    }
}
