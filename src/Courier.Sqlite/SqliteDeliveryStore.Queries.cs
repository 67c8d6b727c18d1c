using Courier.Core.Domain;
using Courier.Core.Storage;
using Microsoft.Data.Sqlite;

namespace Courier.Sqlite;

internal sealed partial class SqliteDeliveryStore
{
    public async Task<VideoRecord?> GetVideoAsync(string videoId, CancellationToken cancellationToken)
    {
        var records = await ReadVideosAsync(
            "SELECT video_id, version, submitted_at, distributed_at, action FROM video_versions WHERE video_id = @video ORDER BY version DESC LIMIT 1",
            cancellationToken,
            ("@video", videoId)).ConfigureAwait(false);
        return records.Count == 0 ? null : records[0];
    }

    public async Task<VideoRecord?> GetVideoVersionAsync(string videoId, int version, CancellationToken cancellationToken)
    {
        var records = await ReadVideosAsync(
            "SELECT video_id, version, submitted_at, distributed_at, action FROM video_versions WHERE video_id = @video AND version = @version",
            cancellationToken,
            ("@video", videoId),
            ("@version", version)).ConfigureAwait(false);
        return records.Count == 0 ? null : records[0];
    }

    public Task<IReadOnlyList<VideoRecord>> ListVideosAsync(int limit, CancellationToken cancellationToken) =>
        ReadVideosAsync(
            "SELECT video_id, version, submitted_at, distributed_at, action FROM video_versions ORDER BY submitted_at DESC, video_id, version DESC LIMIT @limit",
            cancellationToken,
            ("@limit", Math.Max(0, limit)));

    /// <summary>Reads the video versions a query selects, with their renditions and deliveries, from one snapshot.</summary>
    private async Task<IReadOnlyList<VideoRecord>> ReadVideosAsync(string videoSql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = BeginRead(connection);
        var videos = new List<(string VideoId, int Version, DateTimeOffset SubmittedAt, DateTimeOffset? DistributedAt, DeliveryOperation Action)>();
        await using (var select = SqliteMapping.Command(connection, transaction, videoSql, parameters))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                videos.Add((reader.GetString(0), reader.GetInt32(1), SqliteMapping.Time(reader.GetInt64(2)), SqliteMapping.NullableTime(reader, 3), DeliveryOperations.Parse(reader.GetString(4))));
            }
        }

        var records = new List<VideoRecord>(videos.Count);
        await using var renditions = SqliteMapping.Command(
            connection,
            transaction,
            "SELECT name, source_path, kind, bytes, file_count FROM renditions WHERE video_id = @video AND version = @version ORDER BY name",
            ("@video", null),
            ("@version", null));
        await using var deliveries = SqliteMapping.Command(
            connection,
            transaction,
            $"SELECT {SqliteMapping.DeliveryColumns} FROM deliveries d WHERE d.video_id = @video AND d.version = @version ORDER BY d.rendition, d.target, d.operation",
            ("@video", null),
            ("@version", null));
        foreach (var video in videos)
        {
            foreach (var command in new[] { renditions, deliveries })
            {
                command.Parameters["@video"].Value = video.VideoId;
                command.Parameters["@version"].Value = video.Version;
            }

            var renditionList = new List<RenditionRecord>();
            await using (var reader = await renditions.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    renditionList.Add(new RenditionRecord(reader.GetString(0), reader.GetString(1), SqliteMapping.Kind(reader.GetString(2)), reader.GetInt64(3), reader.GetInt32(4)));
                }
            }

            var deliveryList = await ReadDeliveriesAsync(deliveries, cancellationToken).ConfigureAwait(false);
            records.Add(new VideoRecord(video.VideoId, video.Version, video.SubmittedAt, video.DistributedAt, renditionList, deliveryList, video.Action));
        }

        return records;
    }

    public async Task<DeliveryView?> GetDeliveryAsync(Guid deliveryId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var select = SqliteMapping.Command(connection, null, $"SELECT {SqliteMapping.DeliveryColumns} FROM deliveries d WHERE d.id = @id", ("@id", SqliteMapping.Id(deliveryId)));
        var found = await ReadDeliveriesAsync(select, cancellationToken).ConfigureAwait(false);
        return found.Count == 0 ? null : found[0];
    }

    public async Task<QueuePage> GetQueueAsync(QueueQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        // The state test is written out (not CASE) so that deliveries_state_target can serve it.
        var where = $"""
            WHERE {(query.State is null ? "d.state IN ('queued', 'dead')" : "d.state = @state")}
              AND (@target IS NULL OR d.target = @target)
              AND (@kind IS NULL OR d.error_kind = @kind)
            """;
        (string, object?)[] parameters =
        [
            ("@state", query.State is { } state ? SqliteMapping.State(state) : null),
            ("@target", query.Target),
            ("@kind", query.ErrorKind),
            ("@offset", Math.Max(0, query.Offset)),
            ("@limit", Math.Max(0, query.Limit)),
        ];

        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = BeginRead(connection);
        int total;
        await using (var count = SqliteMapping.Command(connection, transaction, $"SELECT count(*) FROM deliveries d {where}", parameters))
        {
            total = Convert.ToInt32(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        }

        await using var page = SqliteMapping.Command(
            connection,
            transaction,
            $"""
            SELECT {SqliteMapping.DeliveryColumns} FROM deliveries d {where}
            ORDER BY CASE d.state WHEN 'queued' THEN 0 ELSE 1 END, d.next_attempt_at, d.updated_at, d.id
            LIMIT @limit OFFSET @offset
            """,
            parameters);
        var items = await ReadDeliveriesAsync(page, cancellationToken).ConfigureAwait(false);
        return new QueuePage(total, items);
    }

    private static async Task<List<DeliveryView>> ReadDeliveriesAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        var list = new List<DeliveryView>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            list.Add(SqliteMapping.ReadDelivery(reader));
        }

        return list;
    }
}
