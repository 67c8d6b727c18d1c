using Courier.Core.Domain;
using Courier.Core.Reports;

namespace Courier.Core.Tests;

public sealed class VideoReportTests
{
    [Theory]
    [InlineData(new[] { DeliveryState.Delivered, DeliveryState.Delivered }, VideoState.Distributed)]
    [InlineData(new[] { DeliveryState.Delivered, DeliveryState.Dead, DeliveryState.Queued }, VideoState.Failed)]
    [InlineData(new[] { DeliveryState.Delivered, DeliveryState.Queued }, VideoState.Partial)]
    [InlineData(new[] { DeliveryState.Delivered, DeliveryState.InFlight }, VideoState.Distributing)]
    [InlineData(new DeliveryState[0], VideoState.Distributing)]
    public void Video_state_is_derived_from_its_deliveries(DeliveryState[] states, VideoState expected)
    {
        VideoReport.Derive(states).ShouldBe(expected);
    }
}
