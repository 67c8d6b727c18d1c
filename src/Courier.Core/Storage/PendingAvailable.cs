namespace Courier.Core.Storage;

/// <summary>
/// An ingested version that is not settled yet (<see cref="IEventStore.ListPendingAvailableAsync"/>): its multivariant
/// playlist may still be due at some target. <see cref="AvailableAt"/> names the targets where it is available already.
/// </summary>
public sealed record PendingAvailable(string VideoId, int Version, IReadOnlyList<string> AvailableAt)
{
    /// <summary>Groups a store's rows (a version and one target where it is available, or null for none), in their order, into one item per version.</summary>
    public static IReadOnlyList<PendingAvailable> Group(IEnumerable<(string VideoId, int Version, string? Target)> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var pending = new List<PendingAvailable>();
        foreach (var row in rows)
        {
            if (pending.Count == 0 || pending[^1].VideoId != row.VideoId || pending[^1].Version != row.Version)
            {
                pending.Add(new PendingAvailable(row.VideoId, row.Version, []));
            }

            if (row.Target is not null)
            {
                pending[^1] = pending[^1] with { AvailableAt = [.. pending[^1].AvailableAt, row.Target] };
            }
        }

        return pending;
    }
}
