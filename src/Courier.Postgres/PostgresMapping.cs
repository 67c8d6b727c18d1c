using Courier.Core.Domain;
using Courier.Core.Storage;
using Npgsql;

namespace Courier.Postgres;

/// <summary>The words of the schema (<c>in_flight</c>, <c>async</c>, <c>package</c>) and the rows read back.</summary>
internal static class PostgresMapping
{
    /// <summary>The columns of a delivery as <see cref="ReadDelivery"/> reads them, for <c>deliveries d</c>.</summary>
    public const string DeliveryColumns =
        "d.id, d.video_id, d.version, d.rendition, d.target, d.state, d.attempts, d.last_error, d.error_kind, d.next_attempt_at, " +
        "d.bytes, d.last_duration_ms, d.created_at, d.updated_at, d.delivered_at, d.operation";

    /// <summary>The last error of a delivery taken back from a node that stopped its heartbeat (the same words in every store).</summary>
    public const string LeaseLostError = "'lease lost: node ' || coalesce(lease_owner, '?') || ' stopped sending heartbeats; taken back'";

    public static string State(DeliveryState state) => state.Name();

    public static DeliveryState State(string state) => DeliveryStates.Parse(state);

    public static string Mode(AttemptMode mode) => mode.Name();

    public static AttemptMode Mode(string mode) => AttemptModes.Parse(mode);

    public static string Kind(RenditionKind kind) => kind == RenditionKind.Package ? "package" : "file";

    public static RenditionKind Kind(string kind) => kind == "package" ? RenditionKind.Package : RenditionKind.File;

    /// <summary>Npgsql writes only UTC offsets to <c>timestamptz</c>.</summary>
    public static DateTimeOffset Utc(DateTimeOffset value) => value.ToUniversalTime();

    public static DateTimeOffset? Utc(DateTimeOffset? value) => value?.ToUniversalTime();

    public static NpgsqlParameter<T> P<T>(string name, T value) => new(name, value);

    public static NpgsqlParameter<DateTimeOffset> Time(string name, DateTimeOffset value) => new(name, Utc(value));

    public static NpgsqlParameter<DateTimeOffset?> Time(string name, DateTimeOffset? value) => new(name, Utc(value));

    public static string? NullableString(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static long? NullableLong(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);

    public static DateTimeOffset? NullableTime(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);

    /// <summary>Reads <see cref="DeliveryColumns"/> starting at <paramref name="first"/>.</summary>
    public static DeliveryView ReadDelivery(NpgsqlDataReader reader, int first = 0) => new(
        reader.GetGuid(first),
        reader.GetString(first + 1),
        reader.GetInt32(first + 2),
        reader.GetString(first + 3),
        reader.GetString(first + 4),
        State(reader.GetString(first + 5)),
        reader.GetInt32(first + 6),
        NullableString(reader, first + 7),
        NullableString(reader, first + 8),
        NullableTime(reader, first + 9),
        NullableLong(reader, first + 10),
        NullableLong(reader, first + 11),
        reader.GetFieldValue<DateTimeOffset>(first + 12),
        reader.GetFieldValue<DateTimeOffset>(first + 13),
        NullableTime(reader, first + 14),
        DeliveryOperations.Parse(reader.GetString(first + 15)));

    /// <summary>
    /// The columns of a claim as <see cref="ReadClaim"/> reads them, for <c>deliveries d</c> joined to <c>renditions r</c>.
    /// Whether the delivery has recorded files, and whether any attempt of it moved bytes, are aggregates over the
    /// delivery's own rows, not <c>EXISTS</c>: a claim's plan is prepared once per connection, and a generic plan made while
    /// <c>delivery_files</c> or <c>attempts</c> was small (a fresh install, before autovacuum's first <c>ANALYZE</c>) kept
    /// reading the whole table for every claimed row: <c>EXISTS</c> costs the first matching row, which a sequential scan of
    /// a table thought small finds "sooner" than the index. An aggregate must read every matching row, so the index is
    /// always the cheaper plan (<c>min(key)</c> reads one entry of <c>delivery_files_pkey</c>).
    /// </summary>
    public const string ClaimColumns =
        "d.id, d.video_id, d.version, d.rendition, r.source_path, r.kind, r.fingerprint, d.target, d.attempts, d.lease_token, d.created_at, d.resubmitted, d.operation, " +
        "(SELECT min(f.key) FROM delivery_files f WHERE f.delivery_id = d.id) IS NOT NULL, r.bytes, " +
        "coalesce((SELECT max(a.bytes) FROM attempts a WHERE a.delivery_id = d.id), 0) <= 0";

    public static ClaimedDelivery ReadClaim(NpgsqlDataReader reader) => new(
        reader.GetGuid(0),
        reader.GetString(1),
        reader.GetInt32(2),
        reader.GetString(3),
        reader.GetString(4),
        Kind(reader.GetString(5)),
        reader.GetString(6),
        reader.GetString(7),
        reader.GetInt32(8),
        reader.GetGuid(9),
        reader.GetFieldValue<DateTimeOffset>(10),
        reader.GetBoolean(11),
        DeliveryOperations.Parse(reader.GetString(12)),
        reader.GetBoolean(13),
        reader.GetInt64(14),
        reader.GetBoolean(15));
}
