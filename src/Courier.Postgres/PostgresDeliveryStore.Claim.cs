using System.Collections.Concurrent;
using Courier.Core.Storage;
using Courier.Core.Targets;
using Npgsql;
using static Courier.Postgres.PostgresMapping;

namespace Courier.Postgres;

internal sealed partial class PostgresDeliveryStore
{
    /// <summary>
    /// One round trip: the node's heartbeat when it is due (<see cref="HeartbeatIfDue"/>), then, in a short implicit
    /// transaction of its own, a CTE that picks the due rows through
    /// the partial index <c>deliveries_due</c> with <c>FOR UPDATE SKIP LOCKED LIMIT n</c> (nodes claiming at once never
    /// wait for, nor take, each other's rows), and the update to <c>in_flight</c> with a fresh lease token. A due row the
    /// claim rules hold (<see cref="ClaimRules"/>) is skipped and stays queued.
    /// </summary>
    public async Task<IReadOnlyList<ClaimedDelivery>> ClaimDueAsync(string nodeId, int limit, DateTimeOffset now, IReadOnlyCollection<string> excludeTargets, CancellationToken cancellationToken)
    {
        if (limit <= 0)
        {
            return [];
        }

        // Error barriers: the heartbeat commits on its own, so the node's row is not held locked while the claim runs
        // (the sync path and the scanner of one node claim at the same time).
        await using var batch = _dataSource.CreateBatch();
        batch.EnableErrorBarriers = true;
        var beat = HeartbeatIfDue(nodeId, now);
        if (beat is not null)
        {
            batch.BatchCommands.Add(beat);
        }

        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            $"""
            WITH due AS (
                SELECT d.id, d.next_attempt_at FROM deliveries d
                WHERE d.state = 'queued' AND d.next_attempt_at <= @now AND NOT (d.target = ANY(@exclude))
                  AND {ClaimRules}
                ORDER BY d.next_attempt_at, d.id
                LIMIT @limit
                FOR UPDATE SKIP LOCKED),
            taken AS (
                UPDATE deliveries d SET state = 'in_flight', lease_owner = @node, lease_token = gen_random_uuid(), next_attempt_at = NULL, updated_at = @now
                FROM due WHERE d.id = due.id
                RETURNING d.id, d.video_id, d.version, d.rendition, d.target, d.attempts, d.lease_token, d.created_at, d.resubmitted, d.operation, due.next_attempt_at AS due_at)
            SELECT {ClaimColumns}
            FROM taken d JOIN renditions r ON r.video_id = d.video_id AND r.version = d.version AND r.name = d.rendition
            ORDER BY d.due_at, d.id
            """)
        {
            Parameters = { Time("now", now), P("exclude", (excludeTargets ?? []).ToArray()), P("limit", limit), P("node", nodeId) },
        });

        var claimed = new List<ClaimedDelivery>();
        // Npgsql's reader skips the heartbeat (it returns no rows): the first result is the claim.
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            claimed.Add(ReadClaim(reader));
        }

        if (beat is not null)
        {
            Remember(nodeId, now);
        }

        return claimed;
    }

    public async Task HeartbeatAsync(string nodeId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var batch = _dataSource.CreateBatch();
        batch.BatchCommands.Add(HeartbeatCommand(nodeId, now));
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        Remember(nodeId, now);
    }

    /// <summary>
    /// How far behind its claims and submissions a node's recorded heartbeat may be. Each claim used to write the node's
    /// row before it claimed: a statement and a commit of their own, every one on the same few rows, which nodes claiming
    /// many times a second all wrote. A second is far below any lease timeout, and a running node's session writes its
    /// heartbeat on its own timer anyway (<c>NodeSession</c>).
    /// </summary>
    internal static readonly TimeSpan HeartbeatResolution = TimeSpan.FromSeconds(1);

    /// <summary>The heartbeat this store last wrote for each node, as far as it knows the node's row is still there.</summary>
    private readonly ConcurrentDictionary<string, DateTimeOffset> _heartbeats = new(StringComparer.Ordinal);

    /// <summary>
    /// The heartbeat a claim or submission of <paramref name="nodeId"/> at <paramref name="now"/> writes first, or null
    /// when this store wrote one for the node less than <see cref="HeartbeatResolution"/> before <paramref name="now"/>.
    /// </summary>
    private NpgsqlBatchCommand? HeartbeatIfDue(string nodeId, DateTimeOffset now) =>
        _heartbeats.TryGetValue(nodeId, out var last) && now - last < HeartbeatResolution ? null : HeartbeatCommand(nodeId, now);

    /// <summary>Remembers that the heartbeat of <paramref name="nodeId"/> at <paramref name="now"/> was written.</summary>
    private void Remember(string nodeId, DateTimeOffset now) =>
        _heartbeats.AddOrUpdate(nodeId, now, (_, last) => now > last ? now : last);

    /// <summary>
    /// A connection on which the node's heartbeat was just written and committed, for a transaction that claims work. Not
    /// inside that transaction: the node's row would stay locked until it commits, and every other submission and claim of
    /// the node would wait for it.
    /// </summary>
    private async Task<NpgsqlConnection> OpenWithHeartbeatAsync(string nodeId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (HeartbeatIfDue(nodeId, now) is { } beat)
            {
                await using var batch = new NpgsqlBatch(connection);
                batch.BatchCommands.Add(beat);
                await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                Remember(nodeId, now);
            }

            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static NpgsqlBatchCommand HeartbeatCommand(string nodeId, DateTimeOffset now) => new(
        """
        INSERT INTO nodes (node_id, heartbeat_at) VALUES (@node, @now)
        ON CONFLICT (node_id) DO UPDATE SET heartbeat_at = greatest(nodes.heartbeat_at, excluded.heartbeat_at)
        """)
    {
        Parameters = { P("node", nodeId), Time("now", now) },
    };

    /// <summary>
    /// Takes back the in-flight work of nodes with a stale (or no) heartbeat. A completion racing with this is decided by
    /// the row lock: whichever commits second sees the other's change and its lease-token check fails.
    /// The heartbeats of the stale nodes are removed with it (a node that was only slow writes a new one). Superseded
    /// deliveries those nodes still held let go of their lease, so newer work on their keys may start.
    /// </summary>
    public async Task<int> ReclaimExpiredAsync(DateTimeOffset heartbeatBefore, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var batch = _dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            $"""
            UPDATE deliveries d SET state = 'queued', next_attempt_at = @now, error_kind = @kind,
                   last_error = {LeaseLostError},
                   lease_owner = NULL, lease_token = NULL, updated_at = @now
            WHERE d.state = 'in_flight'
              AND NOT EXISTS (SELECT 1 FROM nodes n WHERE n.node_id = d.lease_owner AND n.heartbeat_at >= @before)
            """)
        {
            Parameters = { Time("now", now), Time("before", heartbeatBefore), P("kind", ErrorKinds.LeaseLost) },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            """
            UPDATE deliveries d SET lease_owner = NULL, lease_token = NULL, updated_at = @now
            WHERE d.state = 'superseded' AND d.lease_token IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM nodes n WHERE n.node_id = d.lease_owner AND n.heartbeat_at >= @before)
            """)
        {
            Parameters = { Time("now", now), Time("before", heartbeatBefore) },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM nodes WHERE heartbeat_at < @before") { Parameters = { Time("before", heartbeatBefore) } });
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);

        // The rows of stale nodes are gone, perhaps one of a node of this process that was only slow: its next claim
        // writes its heartbeat again.
        _heartbeats.Clear();
        return batch.BatchCommands[0].RecordsAffected;
    }

    public async Task<int> ReleaseNodeAsync(string nodeId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var batch = _dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            """
            UPDATE deliveries SET state = 'queued', next_attempt_at = @now, lease_owner = NULL, lease_token = NULL, updated_at = @now
            WHERE state = 'in_flight' AND lease_owner = @node
            """)
        {
            Parameters = { Time("now", now), P("node", nodeId) },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            "UPDATE deliveries SET lease_owner = NULL, lease_token = NULL, updated_at = @now WHERE state = 'superseded' AND lease_token IS NOT NULL AND lease_owner = @node")
        {
            Parameters = { Time("now", now), P("node", nodeId) },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand("DELETE FROM nodes WHERE node_id = @node") { Parameters = { P("node", nodeId) } });
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        _heartbeats.TryRemove(nodeId, out _);
        return batch.BatchCommands[0].RecordsAffected;
    }

    public async Task<int> MakeDueAsync(string target, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(
            "UPDATE deliveries SET next_attempt_at = @now, updated_at = @now WHERE state = 'queued' AND target = @target AND next_attempt_at > @now");
        command.Parameters.Add(Time("now", now));
        command.Parameters.Add(P("target", target));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<Guid>> RequeueAsync(RequeueRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        await using var command = _dataSource.CreateCommand();
        const string Set = "UPDATE deliveries SET state = 'queued', next_attempt_at = @now, attempts = 0, resubmitted = true, updated_at = @now ";
        if (request.DeliveryIds is not null)
        {
            command.CommandText = Set + "WHERE id = ANY(@ids) AND state IN ('queued', 'dead') RETURNING id";
            command.Parameters.Add(P("ids", request.DeliveryIds.ToArray()));
        }
        else
        {
            command.CommandText = Set + "WHERE state = 'dead' AND (@target::text IS NULL OR target = @target) AND (@kind::text IS NULL OR error_kind = @kind) RETURNING id";
            command.Parameters.Add(P("target", request.Target));
            command.Parameters.Add(P("kind", request.ErrorKind));
        }

        command.Parameters.Add(Time("now", request.Now));
        var ids = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            ids.Add(reader.GetGuid(0));
        }

        return ids;
    }
}
