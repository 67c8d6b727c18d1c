using Courier.Core.Domain;

namespace Courier.Core.Storage;

/// <summary>One delivery of a video, as much as <see cref="TargetVersions.Derive"/> needs to tell which version a target holds.</summary>
/// <param name="Version">The delivery's version.</param>
/// <param name="Action">That version's action: a publish (<see cref="DeliveryOperation.Push"/>) or a removal.</param>
/// <param name="Target">The target's name.</param>
/// <param name="Operation">What the delivery does at the target.</param>
/// <param name="State">Where it stands.</param>
public readonly record struct DeliveryFact(int Version, DeliveryOperation Action, string Target, DeliveryOperation Operation, DeliveryState State);

/// <summary>The rule behind <see cref="IDeliveryQueries.GetTargetVersionsAsync"/>, written once for every store.</summary>
public static class TargetVersions
{
    /// <summary>
    /// Per target (by name): the live version (the newest publish whose pushes there are all delivered, unless a newer
    /// removal there is done), the pending version (the newest with work queued, in flight or dead there), and whether the
    /// newest version committed there is a removal that is done.
    /// </summary>
    public static IReadOnlyList<TargetVersion> Derive(IEnumerable<DeliveryFact> deliveries)
    {
        ArgumentNullException.ThrowIfNull(deliveries);
        var result = new List<TargetVersion>();
        foreach (var target in deliveries.GroupBy(d => d.Target, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var versions = target.GroupBy(d => d.Version).OrderByDescending(g => g.Key).ToList();
            int? live = null;
            foreach (var version in versions)
            {
                if (version.First().Action == DeliveryOperation.Remove)
                {
                    if (version.All(d => d.State == DeliveryState.Removed))
                    {
                        break;
                    }

                    continue;
                }

                var pushes = version.Where(d => d.Operation == DeliveryOperation.Push).ToList();
                if (pushes.Count > 0 && pushes.TrueForAll(d => d.State == DeliveryState.Delivered))
                {
                    live = version.Key;
                    break;
                }
            }

            var pending = versions.FirstOrDefault(v => v.Any(d => d.State is DeliveryState.Queued or DeliveryState.InFlight or DeliveryState.Dead or DeliveryState.Scheduled))?.Key;
            var newest = versions[0];
            var removed = newest.First().Action == DeliveryOperation.Remove && newest.All(d => d.State == DeliveryState.Removed);
            result.Add(new TargetVersion(target.Key, live, pending, removed));
        }

        return result;
    }
}
