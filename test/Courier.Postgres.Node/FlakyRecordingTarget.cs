using System.Security.Cryptography;
using Courier.Core.Targets;
using Npgsql;

namespace Courier.Postgres.Node;

/// <summary>
/// A target made for the multi-node tests. Every push writes its start and end to the <c>push_log</c> table (the
/// database's clock, shared by every process), so the test can see two pushes of one key that overlapped. It sleeps a
/// few milliseconds per push and fails a given share of pushes at random with a transient error.
/// </summary>
internal sealed class FlakyRecordingTarget : ITarget
{
    private readonly NpgsqlDataSource _log;
    private readonly string _node;
    private readonly TimeSpan _pushTime;
    private readonly double _failureRate;
    private readonly TimeProvider _time;

    public FlakyRecordingTarget(string name, NpgsqlDataSource log, string node, TimeSpan pushTime, double failureRate, TimeProvider time)
    {
        Name = name;
        _log = log;
        _node = node;
        _pushTime = pushTime;
        _failureRate = failureRate;
        _time = time;
    }

    public string Name { get; }

    public string Region => "test";

    public string Kind => "test";

    public VerifyMode Verify => VerifyMode.Size;

    public Task<StoredObject?> StatAsync(string key, bool withChecksum, CancellationToken cancellationToken) => Task.FromResult<StoredObject?>(null);

    public async Task<PutResult> PutAsync(ObjectPut put, CancellationToken cancellationToken)
    {
        long id;
        await using (var start = _log.CreateCommand("INSERT INTO push_log (key, node, started_at) VALUES ($1, $2, clock_timestamp()) RETURNING id"))
        {
            start.Parameters.Add(new NpgsqlParameter<string> { TypedValue = put.Key });
            start.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _node });
            id = (long)(await start.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        var failed = Random.Shared.NextDouble() < _failureRate;
        byte[] content;
        try
        {
            await Task.Delay(_pushTime, _time, cancellationToken).ConfigureAwait(false);
            content = await File.ReadAllBytesAsync(put.SourcePath, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await using var end = _log.CreateCommand("UPDATE push_log SET ended_at = clock_timestamp(), succeeded = $2 WHERE id = $1");
            end.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id });
            end.Parameters.Add(new NpgsqlParameter<bool> { TypedValue = !failed });
            await end.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        }

        if (failed)
        {
            throw new TargetException(Name, "503 Service Unavailable (injected)", true, ErrorKinds.Http(503));
        }

        return new PutResult(content.Length, Convert.ToHexStringLower(SHA256.HashData(content)));
    }

    public Task ProbeAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task DeleteAsync(string key, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<bool> ProveAbsentAsync(string key, CancellationToken cancellationToken) => Task.FromResult(true);
}
