using Courier.Core.Domain;
using Courier.Core.Storage;
using Npgsql;
using static Courier.Postgres.PostgresMapping;

namespace Courier.Postgres;

internal sealed partial class PostgresDeliveryStore
{
    public async Task<VideoRecord?> GetVideoAsync(string videoId, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("SELECT max(version) FROM video_versions WHERE video_id = @video");
        command.Parameters.Add(P("video", videoId));
        var latest = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return latest is int version ? await GetVideoVersionAsync(videoId, version, cancellationToken).ConfigureAwait(false) : null;
    }

    public async Task<VideoRecord?> GetVideoVersionAsync(string videoId, int version, CancellationToken cancellationToken)
    {
        var records = await LoadVersionsAsync([(videoId, version)], cancellationToken).ConfigureAwait(false);
        return records.Count == 0 ? null : records[0];
    }

    public async Task<IReadOnlyList<VideoRecord>> ListVideosAsync(int limit, CancellationToken cancellationToken)
    {
        var keys = new List<(string, int)>();
        await using (var command = _dataSource.CreateCommand("SELECT video_id, version FROM video_versions ORDER BY submitted_at DESC, video_id, version DESC LIMIT @limit"))
        {
            command.Parameters.Add(P("limit", Math.Max(limit, 0)));
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                keys.Add((reader.GetString(0), reader.GetInt32(1)));
            }
        }

        return keys.Count == 0 ? [] : await LoadVersionsAsync(keys, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The given versions with their renditions and deliveries, in the order asked, in one round trip.</summary>
    private async Task<IReadOnlyList<VideoRecord>> LoadVersionsAsync(IReadOnlyList<(string VideoId, int Version)> keys, CancellationToken cancellationToken)
    {
        var videos = keys.Select(k => k.VideoId).ToArray();
        var versions = keys.Select(k => k.Version).ToArray();
        const string Keys = "unnest(@videos, @versions) AS k(video_id, version)";
        await using var batch = _dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            $"SELECT v.video_id, v.version, v.submitted_at, v.distributed_at, v.action FROM video_versions v JOIN {Keys} ON v.video_id = k.video_id AND v.version = k.version")
        {
            Parameters = { P("videos", videos), P("versions", versions) },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            $"""
            SELECT r.video_id, r.version, r.name, r.source_path, r.kind, r.bytes, r.file_count
            FROM renditions r JOIN {Keys} ON r.video_id = k.video_id AND r.version = k.version
            ORDER BY r.ordinal
            """)
        {
            Parameters = { P("videos", videos), P("versions", versions) },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            $"""
            SELECT {DeliveryColumns}
            FROM deliveries d JOIN {Keys} ON d.video_id = k.video_id AND d.version = k.version
            ORDER BY d.rendition, d.target, d.operation
            """)
        {
            Parameters = { P("videos", videos), P("versions", versions) },
        });

        var heads = new Dictionary<(string, int), (DateTimeOffset Submitted, DateTimeOffset? Distributed, DeliveryOperation Action)>();
        var renditions = new Dictionary<(string, int), List<RenditionRecord>>();
        var deliveries = new Dictionary<(string, int), List<DeliveryView>>();
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                heads[(reader.GetString(0), reader.GetInt32(1))] = (reader.GetFieldValue<DateTimeOffset>(2), NullableTime(reader, 3), DeliveryOperations.Parse(reader.GetString(4)));
            }

            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var key = (reader.GetString(0), reader.GetInt32(1));
                var record = new RenditionRecord(reader.GetString(2), reader.GetString(3), Kind(reader.GetString(4)), reader.GetInt64(5), reader.GetInt32(6));
                (renditions.TryGetValue(key, out var list) ? list : renditions[key] = []).Add(record);
            }

            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var view = ReadDelivery(reader);
                var key = (view.VideoId, view.Version);
                (deliveries.TryGetValue(key, out var list) ? list : deliveries[key] = []).Add(view);
            }
        }

        return keys.Where(heads.ContainsKey).Select(key => new VideoRecord(
            key.VideoId,
            key.Version,
            heads[key].Submitted,
            heads[key].Distributed,
            renditions.GetValueOrDefault(key) ?? [],
            deliveries.GetValueOrDefault(key) ?? [],
            heads[key].Action)).ToList();
    }

    public async Task<DeliveryView?> GetDeliveryAsync(Guid deliveryId, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand($"SELECT {DeliveryColumns} FROM deliveries d WHERE d.id = @id");
        command.Parameters.Add(P("id", deliveryId));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadDelivery(reader) : null;
    }

    /// <summary>Queued items by due time, then dead ones by update time; each state is read through its partial index.</summary>
    public async Task<QueuePage> GetQueueAsync(QueueQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        // The state as a literal (from the fixed set of words), so the planner can use the partial index of that state.
        var state = query.State is { } only ? $"d.state = '{State(only)}'" : "d.state IN ('queued', 'dead')";
        var filter = $"{state} AND (@target::text IS NULL OR d.target = @target) AND (@kind::text IS NULL OR d.error_kind = @kind)";
        await using var batch = _dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand($"SELECT count(*) FROM deliveries d WHERE {filter}")
        {
            Parameters = { P("target", query.Target), P("kind", query.ErrorKind) },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            $"""
            SELECT {DeliveryColumns} FROM deliveries d WHERE {filter}
            ORDER BY d.state = 'queued' DESC, d.next_attempt_at, d.updated_at, d.id
            OFFSET @offset LIMIT @limit
            """)
        {
            Parameters = { P("target", query.Target), P("kind", query.ErrorKind), P("offset", Math.Max(query.Offset, 0)), P("limit", Math.Max(query.Limit, 0)) },
        });

        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        var total = reader.GetInt64(0);
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var items = new List<DeliveryView>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            items.Add(ReadDelivery(reader));
        }

        return new QueuePage((int)total, items);
    }
}
