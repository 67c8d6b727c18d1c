using Courier.Core.Storage;
using Courier.Core.Targets;
using Microsoft.Data.Sqlite;

namespace Courier.Sqlite;

internal sealed partial class SqliteDeliveryStore
{
    /// <summary>
    /// The due part of the failure queue, oldest due first. It walks the partial index <c>deliveries_due</c> from its start
    /// up to <c>@now</c> and stops after <c>@limit</c> rows: O(due rows), whatever the queue holds beyond now.
    /// <c>INDEXED BY</c> because, without ANALYZE statistics, the planner rates the equality <c>state = 'queued'</c> on
    /// <c>deliveries_state_target</c> above the range, and would read and sort the whole queue (seen in the query-plan test).
    /// A due row the claim rules hold (<see cref="ClaimRules"/>) is skipped and stays queued.
    /// </summary>
    internal const string DueSql =
        $"""
        SELECT id FROM deliveries INDEXED BY deliveries_due
        WHERE state = 'queued' AND next_attempt_at <= @now
          AND target NOT IN (SELECT value FROM json_each(@excluded))
          AND {ClaimRules}
        ORDER BY next_attempt_at
        LIMIT @limit
        """;

    private const string ClaimedSelect =
        $"""
        SELECT {SqliteMapping.ClaimColumns}
        FROM deliveries d
        JOIN renditions r ON r.video_id = d.video_id AND r.version = d.version AND r.name = d.rendition
        """;

    /// <summary>
    /// Claims go through the write group as writes that need no sync of their own (<c>synchronous=NORMAL</c> when no
    /// outcome shares their commit, see the store's remarks): on its connection their statements stay prepared, and they
    /// share a commit with the outcomes written at the same time.
    /// </summary>
    public Task<IReadOnlyList<ClaimedDelivery>> ClaimDueAsync(string nodeId, int limit, DateTimeOffset now, IReadOnlyCollection<string> excludeTargets, CancellationToken cancellationToken) =>
        _writes.RunAsync((statements, token) => ClaimDueInAsync(statements, nodeId, limit, SqliteMapping.Ms(now), excludeTargets, token), cancellationToken, durable: false);

    private static async Task<IReadOnlyList<ClaimedDelivery>> ClaimDueInAsync(SqliteStatements statements, string nodeId, int limit, long at, IReadOnlyCollection<string> excludeTargets, CancellationToken cancellationToken)
    {
        await HeartbeatAsync(statements, nodeId, at, cancellationToken).ConfigureAwait(false);
        if (limit <= 0)
        {
            return [];
        }

        var ids = new List<string>();
        var due = statements.Command(DueSql, ("@now", at), ("@excluded", SqliteMapping.JsonArray(excludeTargets ?? [])), ("@limit", limit));
        await using (var reader = await due.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                ids.Add(reader.GetString(0));
            }
        }

        if (ids.Count == 0)
        {
            return [];
        }

        await ClaimIdsAsync(statements, ids, nodeId, at, cancellationToken).ConfigureAwait(false);

        var claimed = new Dictionary<Guid, ClaimedDelivery>();
        var select = statements.Command($"{ClaimedSelect} WHERE d.id IN (SELECT value FROM json_each(@ids))", ("@ids", SqliteMapping.JsonArray(ids)));
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var delivery = SqliteMapping.ReadClaim(reader);
                claimed[delivery.Id] = delivery;
            }
        }

        return ids.Select(id => claimed[Guid.Parse(id)]).ToList();
    }

    public Task HeartbeatAsync(string nodeId, DateTimeOffset now, CancellationToken cancellationToken) =>
        _writes.RunAsync(
            async (statements, token) =>
            {
                await HeartbeatAsync(statements, nodeId, SqliteMapping.Ms(now), token).ConfigureAwait(false);
                return true;
            },
            cancellationToken,
            durable: false);

    /// <summary>
    /// Takes back the in-flight work of nodes with a stale (or no) heartbeat, and forgets those heartbeats in the same
    /// transaction (a node that was only slow writes a new one). Superseded deliveries those nodes still held let go of
    /// their lease (their node will not complete them), so newer work on their keys may start.
    /// </summary>
    public Task<int> ReclaimExpiredAsync(DateTimeOffset heartbeatBefore, DateTimeOffset now, CancellationToken cancellationToken) =>
        TakeBackAsync(
            $"""
            UPDATE deliveries
            SET state = 'queued', next_attempt_at = @now, error_kind = @leaseLost,
                last_error = {SqliteMapping.LeaseLostError},
                lease_owner = NULL, lease_token = NULL, updated_at = @now
            WHERE state = 'in_flight'
              AND (lease_owner IS NULL OR lease_owner NOT IN (SELECT node_id FROM nodes WHERE heartbeat_at >= @before))
            """,
            """
            UPDATE deliveries SET lease_owner = NULL, lease_token = NULL, updated_at = @now
            WHERE state = 'superseded' AND lease_token IS NOT NULL
              AND (lease_owner IS NULL OR lease_owner NOT IN (SELECT node_id FROM nodes WHERE heartbeat_at >= @before))
            """,
            "DELETE FROM nodes WHERE heartbeat_at < @before",
            cancellationToken,
            ("@now", SqliteMapping.Ms(now)),
            ("@before", SqliteMapping.Ms(heartbeatBefore)),
            ("@leaseLost", ErrorKinds.LeaseLost));

    public Task<int> ReleaseNodeAsync(string nodeId, DateTimeOffset now, CancellationToken cancellationToken) =>
        TakeBackAsync(
            """
            UPDATE deliveries SET state = 'queued', next_attempt_at = @now, lease_owner = NULL, lease_token = NULL, updated_at = @now
            WHERE state = 'in_flight' AND lease_owner = @node
            """,
            "UPDATE deliveries SET lease_owner = NULL, lease_token = NULL, updated_at = @now WHERE state = 'superseded' AND lease_token IS NOT NULL AND lease_owner = @node",
            "DELETE FROM nodes WHERE node_id = @node",
            cancellationToken,
            ("@node", nodeId),
            ("@now", SqliteMapping.Ms(now)));

    /// <summary>
    /// Puts in-flight work back in the queue, lets go of the superseded deliveries' leases, and forgets the nodes'
    /// heartbeats, in one transaction. Returns the deliveries taken back.
    /// </summary>
    private async Task<int> TakeBackAsync(string takeBack, string letGo, string forget, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = BeginWrite(connection);
        int taken;
        await using (var update = SqliteMapping.Command(connection, transaction, takeBack, parameters))
        {
            taken = await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var release = SqliteMapping.Command(connection, transaction, letGo, parameters))
        {
            await release.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var delete = SqliteMapping.Command(connection, transaction, forget, parameters))
        {
            await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return taken;
    }

    public Task<int> MakeDueAsync(string target, DateTimeOffset now, CancellationToken cancellationToken) =>
        WriteAsync(
            "UPDATE deliveries SET next_attempt_at = @now, updated_at = @now WHERE state = 'queued' AND target = @target AND next_attempt_at > @now",
            cancellationToken,
            ("@target", target),
            ("@now", SqliteMapping.Ms(now)));

    public async Task<IReadOnlyList<Guid>> RequeueAsync(RequeueRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        const string Set = "UPDATE deliveries SET state = 'queued', next_attempt_at = @now, attempts = 0, resubmitted = 1, lease_owner = NULL, lease_token = NULL, updated_at = @now";
        var (sql, parameters) = request.DeliveryIds is { } ids
            ? ($"{Set} WHERE id IN (SELECT value FROM json_each(@ids)) AND state IN ('queued', 'dead') RETURNING id", new (string, object?)[] { ("@ids", SqliteMapping.JsonArray(ids.Select(SqliteMapping.Id))) })
            : ($"{Set} WHERE state = 'dead' AND (@target IS NULL OR target = @target) AND (@kind IS NULL OR error_kind = @kind) RETURNING id", [("@target", request.Target), ("@kind", request.ErrorKind)]);

        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = BeginWrite(connection);
        var requeued = new List<Guid>();
        await using (var command = SqliteMapping.Command(connection, transaction, sql, [("@now", SqliteMapping.Ms(request.Now)), .. parameters]))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                requeued.Add(Guid.Parse(reader.GetString(0)));
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return requeued;
    }

    /// <summary>Runs one statement in a write transaction and returns the rows it changed.</summary>
    private async Task<int> WriteAsync(string sql, CancellationToken cancellationToken, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = BeginWrite(connection);
        int changed;
        await using (var command = SqliteMapping.Command(connection, transaction, sql, parameters))
        {
            changed = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return changed;
    }
}
