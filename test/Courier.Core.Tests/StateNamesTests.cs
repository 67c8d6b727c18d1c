using System.Text.Json;
using Courier.Core.Domain;
using Courier.Core.Reports;

namespace Courier.Core.Tests;

/// <summary>The state and mode words are written once; the API's JSON and the parsers agree with them.</summary>
public sealed class StateNamesTests
{
    [Fact]
    public void Every_delivery_state_has_one_word_that_the_json_writes_and_the_parser_reads_back()
    {
        DeliveryStates.All.Order().ShouldBe(Enum.GetValues<DeliveryState>().Order());
        foreach (var state in Enum.GetValues<DeliveryState>())
        {
            JsonSerializer.Serialize(state, CourierJson.Options).ShouldBe($"\"{state.Name()}\"");
            DeliveryStates.TryParse(state.Name(), out var parsed).ShouldBeTrue();
            parsed.ShouldBe(state);
        }

        DeliveryState.InFlight.Name().ShouldBe("in_flight");
        DeliveryStates.TryParse("InFlight", out _).ShouldBeFalse();
    }

    [Fact]
    public void Every_attempt_mode_has_one_word_that_the_json_writes_and_the_parser_reads_back()
    {
        foreach (var mode in Enum.GetValues<AttemptMode>())
        {
            JsonSerializer.Serialize(mode, CourierJson.Options).ShouldBe($"\"{mode.Name()}\"");
            AttemptModes.TryParse(mode.Name(), out var parsed).ShouldBeTrue();
            parsed.ShouldBe(mode);
        }

        AttemptModes.TryParse("Sync", out _).ShouldBeFalse();
    }
}
