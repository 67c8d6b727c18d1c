using System.CommandLine;
using Courier.Cli.Output;
using Courier.Core.Domain;
using Courier.Core.Reports;
using Courier.Core.Storage;

namespace Courier.Cli.Commands;

/// <summary><c>courier retry</c>: a person resubmits a delivery, or every dead one (of a target).</summary>
internal static class RetryCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var delivery = new Option<Guid[]>("--delivery", "-d")
        {
            Description = "The id of a queued or dead delivery to resubmit now (from `courier queue` or `courier status`). Repeat for several.",
            HelpName = "ID",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var dead = new Option<bool>("--dead") { Description = "Resubmit every dead delivery (with --target: only those to that target)." };
        var target = new Option<string?>("--target", "-t") { Description = "With --dead: only dead deliveries to this target.", HelpName = "NAME" };
        var command = new Command("retry", "Resubmit deliveries: they go back to the failure queue, due now, with their attempts reset; `courier serve` pushes them. Use either --delivery ID or --dead [--target NAME].")
        {
            delivery,
            dead,
            target,
        };
        command.Validators.Add(result =>
        {
            var ids = result.GetValue(delivery) ?? [];
            var all = result.GetValue(dead);
            if (ids.Length == 0 && !all)
            {
                result.AddError("retry needs --delivery ID or --dead");
            }
            else if (ids.Length > 0 && all)
            {
                result.AddError("use either --delivery ID or --dead, not both");
            }
            else if (ids.Length > 0 && result.GetResult(target) is not null)
            {
                result.AddError("--target goes with --dead, not with --delivery");
            }
        });
        common.SetAction(command, (result, config, verbose, _) => RunAsync(config, verbose, result.GetValue(delivery) ?? [], result.GetValue(target)));
        return command;
    }

    private static async Task<int> RunAsync(string? config, bool verbose, Guid[] ids, string? target)
    {
        await using var host = await CliHost.OpenAsync(config, verbose, CancellationToken.None).ConfigureAwait(false);
        var ledger = host.Get<DeliveryLedger>();
        var terminal = Terminal.Create();
        if (ids.Length == 0)
        {
            var requeued = await ledger.RetryAsync(null, target, null, CancellationToken.None).ConfigureAwait(false);
            var of = target is null ? string.Empty : $" to {target}";
            terminal.Line($"requeued {requeued.Count} dead deliveries{of}; they are due now and `courier serve` pushes them");
            return ExitCodes.Ok;
        }

        var results = await ledger.RetryDeliveriesAsync(ids, CancellationToken.None).ConfigureAwait(false);
        foreach (var result in results)
        {
            var id = result.DeliveryId;
            var view = result.Delivery;
            switch (result.Outcome)
            {
                case RetryOutcome.NotFound:
                    throw new BadInputException("--delivery", $"no such delivery '{id}'");
                case RetryOutcome.NotRetryable:
                    throw new BadInputException("--delivery", $"delivery {id} ({view!.VideoId}/{view.Rendition} to {view.Target}) is {Format.State(view.State)}; only queued or dead deliveries can be retried");
                case RetryOutcome.ChangedMeanwhile:
                    throw new BadInputException("--delivery", $"delivery {id} changed state meanwhile and was not requeued; look at `courier queue`");
            }
        }

        foreach (var result in results)
        {
            var view = result.Delivery!;
            terminal.Line($"requeued {result.DeliveryId} ({view.VideoId}/{view.Rendition} to {view.Target}): due now; `courier serve` pushes it");
        }

        return ExitCodes.Ok;
    }
}
