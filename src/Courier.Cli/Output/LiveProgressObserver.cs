using System.Collections.Concurrent;
using Courier.Core.Distribution;
using Courier.Core.Domain;
using Courier.Core.Storage;
using Spectre.Console;

namespace Courier.Cli.Output;

/// <summary>Drives a live Spectre.Console progress display: one row per rendition × target, bytes moved and state.</summary>
internal sealed class LiveProgressObserver(ProgressContext? context = null) : IDistributionObserver
{
    private readonly ConcurrentDictionary<Guid, ProgressTask> _tasks = new();

    /// <summary>With a context: adds a row per claimed delivery, by rendition then target, waiting to start.</summary>
    public void Submitted(Submission submission)
    {
        if (context is null)
        {
            return;
        }

        foreach (var delivery in submission.Claimed.OrderBy(d => d.Rendition, StringComparer.Ordinal).ThenBy(d => d.Target, StringComparer.Ordinal))
        {
            Add(context, delivery, submission.Renditions[delivery.Rendition].TotalBytes);
        }
    }

    /// <summary>Adds a row for <paramref name="delivery"/>, waiting to start.</summary>
    public void Add(ProgressContext context, ClaimedDelivery delivery, long totalBytes)
    {
        var task = context.AddTask(Label(delivery.Rendition, delivery.Target, "waiting"), autoStart: false, maxValue: Math.Max(totalBytes, 1));
        _tasks[delivery.Id] = task;
    }

    public void Started(ClaimedDelivery delivery, long totalBytes)
    {
        if (_tasks.TryGetValue(delivery.Id, out var task))
        {
            task.MaxValue = Math.Max(totalBytes, 1);
            task.Description = Label(delivery.Rendition, delivery.Target, "pushing");
            task.StartTask();
        }
    }

    public void Progressed(ClaimedDelivery delivery, long bytes)
    {
        if (_tasks.TryGetValue(delivery.Id, out var task))
        {
            // Bytes read back for verification count as activity too; the bar shows at most the rendition's size.
            task.Value = Math.Min(task.Value + bytes, task.MaxValue);
        }
    }

    public void Finished(DeliveryResult result)
    {
        if (_tasks.TryGetValue(result.DeliveryId, out var task))
        {
            var state = Format.State(result.State);
            task.Description = Label(result.Rendition, result.Target, state);
            if (result.State == DeliveryState.Delivered)
            {
                task.Value = task.MaxValue;
            }

            task.StopTask();
        }
    }

    private static string Label(string rendition, string target, string state)
    {
        var colour = state switch
        {
            DeliveryStates.Delivered => "green",
            DeliveryStates.Queued => "yellow",
            DeliveryStates.Dead => "red",
            _ => "grey",
        };
        return $"{Markup.Escape(rendition)} → {Markup.Escape(target)} [{colour}]{Markup.Escape(state)}[/]";
    }
}
