using static Courier.Postgres.PostgresMapping;

namespace Courier.Postgres;

/// <summary>Licence windows: deliveries scheduled until their window opens, and the videos whose window closed.</summary>
internal sealed partial class PostgresDeliveryStore
{
    public async Task<int> OpenScheduledAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(
            """
            UPDATE deliveries SET state = 'queued', next_attempt_at = @now, created_at = @now, updated_at = @now
            WHERE state = 'scheduled' AND next_attempt_at <= @now
            """);
        command.Parameters.Add(Time("now", now));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<string>> ClosedWindowsAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(
            """
            SELECT v.video_id FROM video_versions v
            WHERE v.available_until IS NOT NULL AND v.available_until <= @now AND v.action = 'push'
              AND v.version = (SELECT max(n.version) FROM video_versions n WHERE n.video_id = v.video_id)
            ORDER BY v.available_until
            LIMIT @limit
            """);
        command.Parameters.Add(Time("now", now));
        command.Parameters.Add(P("limit", limit));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var videos = new List<string>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            videos.Add(reader.GetString(0));
        }

        return videos;
    }
}
