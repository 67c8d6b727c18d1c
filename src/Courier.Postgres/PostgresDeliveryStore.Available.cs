using Courier.Core.Storage;
using static Courier.Postgres.PostgresMapping;

namespace Courier.Postgres;

/// <summary>Ingested versions whose multivariant playlist may still be due at a target (see <c>0006_available_targets</c>).</summary>
internal sealed partial class PostgresDeliveryStore
{
    public async Task<IReadOnlyList<PendingAvailable>> ListPendingAvailableAsync(string? afterVideoId, int afterVersion, int limit, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(
            """
            SELECT v.video_id, v.version, a.target
            FROM (SELECT video_id, version FROM video_versions
                  WHERE ingest_started_at IS NOT NULL AND available_settled_at IS NULL
                    AND (@after::text IS NULL OR (video_id, version) > (@after::text, @afterVersion))
                  ORDER BY video_id, version
                  LIMIT @limit) v
            LEFT JOIN available_targets a ON a.video_id = v.video_id AND a.version = v.version
            ORDER BY v.video_id, v.version, a.target
            """);
        command.Parameters.Add(P("after", afterVideoId));
        command.Parameters.Add(P("afterVersion", afterVersion));
        command.Parameters.Add(P("limit", Math.Max(0, limit)));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<(string VideoId, int Version, string? Target)>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add((reader.GetString(0), reader.GetInt32(1), NullableString(reader, 2)));
        }

        return PendingAvailable.Group(rows);
    }

    public async Task<bool> SettleAvailableAsync(string videoId, int version, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(
            "UPDATE video_versions SET available_settled_at = @now WHERE video_id = @video AND version = @version AND available_settled_at IS NULL");
        command.Parameters.Add(Time("now", now));
        command.Parameters.Add(P("video", videoId));
        command.Parameters.Add(P("version", version));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }
}
