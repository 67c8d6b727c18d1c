using Microsoft.Data.Sqlite;

namespace Courier.Sqlite;

/// <summary>Licence windows: deliveries scheduled until their window opens, and the videos whose window closed.</summary>
internal sealed partial class SqliteDeliveryStore
{
    /// <summary>Adds a push <c>scheduled</c>, due when its window opens (<paramref name="from"/>); returns 1, or 0 when it exists.</summary>
    private static async Task<int> AddScheduledAsync(SqliteConnection connection, SqliteTransaction transaction, string videoId, int version, string rendition, string target, long from, long at, CancellationToken cancellationToken)
    {
        await using var insert = SqliteMapping.Command(
            connection,
            transaction,
            """
            INSERT INTO deliveries (id, video_id, version, rendition, target, operation, state, attempts, next_attempt_at, created_at, updated_at)
            VALUES (@id, @video, @version, @rendition, @target, 'push', 'scheduled', 0, @from, @now, @now)
            ON CONFLICT (video_id, version, rendition, target, operation) DO NOTHING
            """,
            ("@id", SqliteMapping.NewId(at)),
            ("@video", videoId),
            ("@version", version),
            ("@rendition", rendition),
            ("@target", target),
            ("@from", from),
            ("@now", at));
        return await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task<int> OpenScheduledAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        WriteAsync(
            """
            UPDATE deliveries SET state = 'queued', next_attempt_at = @now, created_at = @now, updated_at = @now
            WHERE state = 'scheduled' AND next_attempt_at <= @now
            """,
            cancellationToken,
            ("@now", SqliteMapping.Ms(now)));

    public async Task<IReadOnlyList<string>> ClosedWindowsAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var select = SqliteMapping.Command(
            connection,
            null,
            """
            SELECT v.video_id FROM video_versions v
            WHERE v.available_until IS NOT NULL AND v.available_until <= @now AND v.action = 'push'
              AND v.version = (SELECT max(n.version) FROM video_versions n WHERE n.video_id = v.video_id)
            ORDER BY v.available_until
            LIMIT @limit
            """,
            ("@now", SqliteMapping.Ms(now)),
            ("@limit", limit));
        await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var videos = new List<string>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            videos.Add(reader.GetString(0));
        }

        return videos;
    }
}
