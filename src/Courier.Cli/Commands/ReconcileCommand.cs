using System.CommandLine;
using Courier.Cli.Output;
using Courier.Core.Distribution;

namespace Courier.Cli.Commands;

/// <summary><c>courier reconcile</c>: does every target really hold what the ledger says was delivered?</summary>
internal static class ReconcileCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var target = new Option<string?>("--target", "-t") { Description = "Only deliveries to this target.", HelpName = "NAME" };
        var video = new Option<string?>("--video") { Description = "Only deliveries of this video.", HelpName = "ID" };
        var json = CommonOptions.Json("the reconcile result");
        var command = new Command("reconcile", "Check what each target really holds (size, and SHA-256 under full verification) against the delivered deliveries, and re-queue what is missing or wrong (error kind drifted); `courier serve` pushes them again. Exit code 0 when all is healthy, 3 when something was re-queued.")
        {
            target,
            video,
            json,
        };
        common.SetAction(command, (result, config, verbose, _) => RunAsync(config, verbose, result.GetValue(target), result.GetValue(video), result.GetValue(json)));
        return command;
    }

    private static async Task<int> RunAsync(string? config, bool verbose, string? target, string? videoId, bool json)
    {
        await using var host = await CliHost.OpenAsync(config, verbose, CancellationToken.None).ConfigureAwait(false);
        var result = await host.Get<Reconciler>().RunOnceAsync(target, videoId, CancellationToken.None).ConfigureAwait(false);
        if (json)
        {
            Terminal.Json(result);
        }
        else
        {
            var terminal = Terminal.Create();
            foreach (var finding in result.Findings)
            {
                var action = finding.Reopened ? "re-queued" : "not re-queued";
                terminal.Line($"{finding.VideoId}/{finding.Rendition} to {finding.Target} ({finding.DeliveryId}): {finding.Problem} [{action}]");
            }

            terminal.Line($"checked {result.Checked} deliveries: {result.Healthy} healthy, {result.Reopened} re-queued");
        }

        return result.Reopened > 0 ? ExitCodes.Queued
            : result.Healthy == result.Checked ? ExitCodes.Ok
            : ExitCodes.Failure;
    }
}
