using System.CommandLine;
using Courier.Cli.Output;
using Courier.Core.Distribution;
using Courier.Core.Domain;
using Courier.Core.Reports;

namespace Courier.Cli.Commands;

/// <summary><c>courier remove ID</c>: takes a video down from its targets now (playlists first, each file proven gone), and reports.</summary>
internal static class RemoveCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var video = new Argument<string>("ID") { Description = "The video id (e.g. movie-42)." };
        var targets = new Option<string[]>("--target", "-t")
        {
            Description = "A target to remove the video from, as named under Courier:Targets. Repeat for several. Default: every configured target the video was sent to.",
            HelpName = "NAME",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var json = CommonOptions.Json("the removal's report");
        var command = new Command("remove", "Take a video down: delete every file of it that Courier put on the targets, playlists first, and prove each gone. Pending pushes of the video to those targets are superseded. What fails is queued for the scanner of `courier serve`. Exit code: 0 all removed, 2 unknown video or bad input (nothing stored), 3 some queued, 4 some dead, 1 anything else.")
        {
            video,
            targets,
            json,
        };
        common.SetAction(command, (result, config, verbose, _) => RunAsync(
            config,
            verbose,
            result.GetRequiredValue(video),
            result.GetValue(targets) ?? [],
            result.GetValue(json)));
        return command;
    }

    private static async Task<int> RunAsync(string? config, bool verbose, string videoId, string[] targetArgs, bool json)
    {
        using var signals = new ShutdownSignals(() => Console.Error.WriteLine("courier: interrupted: releasing in-flight removals to the queue (press Ctrl-C again to quit at once)"));
        await using var host = await CliHost.OpenAsync(config, verbose, signals.Token).ConfigureAwait(false);
        var distributor = host.Get<Distributor>();
        Submission? removal;
        try
        {
            removal = await distributor.RemoveAsync(videoId, targetArgs.Length == 0 ? null : targetArgs, signals.Token).ConfigureAwait(false);
        }
        catch (BadInputException e)
        {
            throw new BadInputException(e.Field, e.Field.StartsWith("targets", StringComparison.Ordinal) ? e.MessageFor("--target") : e.MessageFor("ID"));
        }

        if (removal is null)
        {
            throw new BadInputException("ID", $"no such video '{Names.Printable(videoId)}'");
        }

        // Durable and claimed by this node: the host's session keeps the heartbeat fresh while removing; if this process
        // dies, `courier serve` takes the removals over.
        var report = await distributor.PushAsync(removal, json ? null : new PlainProgressObserver(Console.Out), signals.Token).ConfigureAwait(false);

        if (json)
        {
            Terminal.Json(report.Video);
        }
        else
        {
            var terminal = Terminal.Create();
            if (removal.Claimed.Count == 0 && !removal.IsNewVersion)
            {
                terminal.Line($"{report.Video.VideoId} v{report.Video.Version} is already a removal from these targets; nothing more to do now.");
            }

            DeliveryTable.Write(terminal, report.Video, [], [], TimeProvider.System.GetUtcNow());
        }

        return DistributeCommand.ExitCodeOf(report.Video);
    }
}
