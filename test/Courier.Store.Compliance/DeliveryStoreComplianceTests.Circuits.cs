using Courier.Core.Storage;

namespace Courier.Store.Compliance;

/// <summary>Targets found down, shared through the store (<see cref="ICircuitStore"/>).</summary>
public abstract partial class DeliveryStoreComplianceTests
{
    [Fact]
    public async Task A_target_recorded_down_is_read_as_open_until_its_time_and_the_latest_record_wins()
    {
        var until = T0 + TimeSpan.FromSeconds(30);
        await Store.RecordCircuitAsync(new TargetCircuitState("cdn-b", until, T0 + TimeSpan.FromSeconds(1), "connection refused", "node-a", T0), Ct);
        await Store.RecordCircuitAsync(new TargetCircuitState("cdn-a", T0 + TimeSpan.FromSeconds(5), null, null, "node-a", T0), Ct);
        await Store.RecordCircuitAsync(new TargetCircuitState("cdn-b", until + TimeSpan.FromSeconds(30), T0 + TimeSpan.FromSeconds(3), "http 503", "node-b", T0 + TimeSpan.FromSeconds(2)), Ct);

        var open = await Store.GetOpenCircuitsAsync(T0 + TimeSpan.FromSeconds(10), Ct);

        open.ShouldBe([new TargetCircuitState("cdn-b", until + TimeSpan.FromSeconds(30), T0 + TimeSpan.FromSeconds(3), "http 503", "node-b", T0 + TimeSpan.FromSeconds(2))]);
        (await Store.GetOpenCircuitsAsync(T0, Ct)).Select(c => c.Target).ShouldBe(["cdn-a", "cdn-b"]);
        (await Store.GetOpenCircuitsAsync(until + TimeSpan.FromSeconds(30), Ct)).ShouldBeEmpty("down until then, not after");
    }

    [Fact]
    public async Task A_target_recorded_up_again_is_no_longer_open()
    {
        await Store.RecordCircuitAsync(new TargetCircuitState("cdn-a", T0 + TimeSpan.FromMinutes(1), T0 + TimeSpan.FromSeconds(1), "connection refused", "node-a", T0), Ct);

        await Store.RecordCircuitAsync(new TargetCircuitState("cdn-a", null, null, null, "node-b", T0 + TimeSpan.FromSeconds(2)), Ct);
        await Store.RecordCircuitAsync(new TargetCircuitState("cdn-z", null, null, null, "node-b", T0 + TimeSpan.FromSeconds(2)), Ct);

        (await Store.GetOpenCircuitsAsync(T0 + TimeSpan.FromSeconds(3), Ct)).ShouldBeEmpty();
    }
}
