using System.Text.Json;
using System.Text.Json.Serialization;

namespace Courier.Core.Reports;

/// <summary>The one JSON shape of Courier's API and of the CLI's <c>--json</c>: camelCase, enums in snake case (<c>in_flight</c>).</summary>
public static class CourierJson
{
    /// <summary>Options for reading and writing Courier's JSON.</summary>
    public static readonly JsonSerializerOptions Options = Create(writeIndented: false);

    /// <summary>Like <see cref="Options"/>, indented for people.</summary>
    public static readonly JsonSerializerOptions Indented = Create(writeIndented: true);

    private static JsonSerializerOptions Create(bool writeIndented)
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            WriteIndented = writeIndented,
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            MaxDepth = 32,
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
