using Courier.Core.Storage;

namespace Courier.Sqlite;

/// <summary>Ingested versions whose multivariant playlist may still be due at a target (see <c>0006_available_targets</c>).</summary>
internal sealed partial class SqliteDeliveryStore
{
    public async Task<IReadOnlyList<PendingAvailable>> ListPendingAvailableAsync(string? afterVideoId, int afterVersion, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var select = SqliteMapping.Command(
            connection,
            null,
            """
            SELECT v.video_id, v.version, a.target
            FROM (SELECT video_id, version FROM video_versions
                  WHERE ingest_started_at IS NOT NULL AND available_settled_at IS NULL
                    AND (@after IS NULL OR video_id > @after OR (video_id = @after AND version > @afterVersion))
                  ORDER BY video_id, version
                  LIMIT @limit) v
            LEFT JOIN available_targets a ON a.video_id = v.video_id AND a.version = v.version
            ORDER BY v.video_id, v.version, a.target
            """,
            ("@after", afterVideoId),
            ("@afterVersion", afterVersion),
            ("@limit", Math.Max(0, limit)));
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<(string VideoId, int Version, string? Target)>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add((reader.GetString(0), reader.GetInt32(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
        }

        return PendingAvailable.Group(rows);
    }

    public async Task<bool> SettleAvailableAsync(string videoId, int version, DateTimeOffset now, CancellationToken cancellationToken) =>
        await WriteAsync(
            "UPDATE video_versions SET available_settled_at = @now WHERE video_id = @video AND version = @version AND available_settled_at IS NULL",
            cancellationToken,
            ("@now", SqliteMapping.Ms(now)),
            ("@video", videoId),
            ("@version", version)).ConfigureAwait(false) == 1;
}
