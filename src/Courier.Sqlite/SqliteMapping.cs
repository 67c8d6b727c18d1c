using Courier.Core.Domain;
using Courier.Core.Storage;
using Microsoft.Data.Sqlite;

namespace Courier.Sqlite;

/// <summary>Commands, parameters and the mapping between SQLite values and Courier's types.</summary>
internal static class SqliteMapping
{
    /// <summary>The columns read by <see cref="ReadDelivery"/>, on a table aliased <c>d</c>.</summary>
    public const string DeliveryColumns =
        "d.id, d.video_id, d.version, d.rendition, d.target, d.state, d.attempts, d.last_error, d.error_kind, d.next_attempt_at, " +
        "d.bytes, d.last_duration_ms, d.created_at, d.updated_at, d.delivered_at, d.operation";

    public static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    public static long Ms(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    public static long? Ms(DateTimeOffset? time) => time?.ToUnixTimeMilliseconds();

    public static DateTimeOffset Time(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    public static string Id(Guid id) => id.ToString("D");

    /// <summary>
    /// A new delivery's id, time-ordered (UUIDv7) from its submission time <paramref name="at"/> (Unix ms), as the PostgreSQL
    /// store's. Every index keyed by delivery id (the primary key, attempts, file lists) then takes the rows of recent work
    /// side by side: a group of outcomes inserts its attempts and files into a few neighbouring pages instead of random
    /// ones, and its commit reads and writes far fewer pages (with random ids the store benchmark made twice the
    /// <c>pread</c>s and a third more <c>pwrite</c>s, and ran at 60 % of the rate).
    /// </summary>
    public static string NewId(long at) => Id(Guid.CreateVersion7(Time(at)));

    /// <summary>The last error of a delivery taken back from a node that stopped its heartbeat (the same words in every store).</summary>
    public const string LeaseLostError = "'lease lost: node ' || coalesce(lease_owner, '?') || ' stopped sending heartbeats; taken back'";

    public static string State(DeliveryState state) => state.Name();

    public static DeliveryState State(string state) => DeliveryStates.Parse(state);

    public static string Mode(AttemptMode mode) => mode.Name();

    public static AttemptMode Mode(string mode) => AttemptModes.Parse(mode);

    public static string Kind(RenditionKind kind) => kind == RenditionKind.Package ? "package" : "file";

    public static RenditionKind Kind(string kind) => kind == "package" ? RenditionKind.Package : RenditionKind.File;

    /// <summary>A list of strings as a JSON array, for <c>json_each(@p)</c>: one statement for any number of values.</summary>
    public static string JsonArray(IEnumerable<string> values) => System.Text.Json.JsonSerializer.Serialize(values.ToArray(), SqliteJsonContext.Default.StringArray);

    public static string? NullableString(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static long? NullableLong(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);

    public static DateTimeOffset? NullableTime(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : Time(reader.GetInt64(ordinal));

    /// <summary>Reads a delivery selected with <see cref="DeliveryColumns"/> starting at <paramref name="at"/>.</summary>
    public static DeliveryView ReadDelivery(SqliteDataReader reader, int at = 0) => new(
        Guid.Parse(reader.GetString(at)),
        reader.GetString(at + 1),
        reader.GetInt32(at + 2),
        reader.GetString(at + 3),
        reader.GetString(at + 4),
        State(reader.GetString(at + 5)),
        reader.GetInt32(at + 6),
        NullableString(reader, at + 7),
        NullableString(reader, at + 8),
        NullableTime(reader, at + 9),
        NullableLong(reader, at + 10),
        NullableLong(reader, at + 11),
        Time(reader.GetInt64(at + 12)),
        Time(reader.GetInt64(at + 13)),
        NullableTime(reader, at + 14),
        DeliveryOperations.Parse(reader.GetString(at + 15)));

    /// <summary>The columns of a claim as <see cref="ReadClaim"/> reads them, for <c>deliveries d</c> joined to <c>renditions r</c>.</summary>
    public const string ClaimColumns =
        "d.id, d.video_id, d.version, d.rendition, r.source_path, r.kind, r.fingerprint, d.target, d.attempts, d.lease_token, d.created_at, d.resubmitted, d.operation, " +
        "EXISTS (SELECT 1 FROM delivery_files f WHERE f.delivery_id = d.id), r.bytes, " +
        "NOT EXISTS (SELECT 1 FROM attempts a WHERE a.delivery_id = d.id AND a.bytes > 0)";

    public static ClaimedDelivery ReadClaim(SqliteDataReader reader) => new(
        Guid.Parse(reader.GetString(0)),
        reader.GetString(1),
        reader.GetInt32(2),
        reader.GetString(3),
        reader.GetString(4),
        Kind(reader.GetString(5)),
        reader.GetString(6),
        reader.GetString(7),
        reader.GetInt32(8),
        Guid.Parse(reader.GetString(9)),
        Time(reader.GetInt64(10)),
        reader.GetInt64(11) != 0,
        DeliveryOperations.Parse(reader.GetString(12)),
        reader.GetInt64(13) != 0,
        reader.GetInt64(14),
        reader.GetInt64(15) != 0);
}
