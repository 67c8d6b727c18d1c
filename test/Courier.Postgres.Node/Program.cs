using Courier.Core.Configuration;
using Courier.Core.Distribution;
using Courier.Core.Sources;
using Courier.Core.Storage;
using Courier.Core.Targets;
using Courier.Postgres;
using Courier.Postgres.Node;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

// A Courier node for the multi-node tests: the real RetryScanner, NodeSession and PostgreSQL store, with the system
// clock, scanning in a loop until its standard input closes (or --max-seconds pass), then releasing its work.
// Usage: Courier.Postgres.Node --connection CS --schema S --node ID --source-root DIR --target NAME
//        [--push-ms 3] [--failure-rate 0.33] [--lease-ms 2000] [--max-seconds 300]
var arguments = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i + 1 < args.Length; i += 2)
{
    arguments[args[i].TrimStart('-')] = args[i + 1];
}

string Arg(string name, string? fallback = null) =>
    arguments.TryGetValue(name, out var value) ? value : fallback ?? throw new ArgumentException($"--{name} is required");

var time = TimeProvider.System;
var node = new NodeIdentity(Arg("node"));
var options = new CourierOptions
{
    SourceRoot = Arg("source-root"),
    Store = { Provider = "postgres", ConnectionString = Arg("connection") },
    Scan = { BatchSize = 16, LeaseTimeout = TimeSpan.FromMilliseconds(int.Parse(Arg("lease-ms", "2000"))) },
    Retry = { FirstDelay = TimeSpan.FromMilliseconds(50), MaxDelay = TimeSpan.FromSeconds(2), MaxAttempts = 8, QuickRetries = 0 },
    Distribution = { MaxConcurrency = 4 },
    Circuit = { FailureThreshold = 1_000 },
};
var schema = Arg("schema");

await using var services = new ServiceCollection()
    .AddCourierPostgresStore(new PostgresStoreOptions { ConnectionString = options.Store.ConnectionString!, Schema = schema })
    .BuildServiceProvider();
var store = services.GetRequiredService<IDeliveryStore>();
await store.MigrateAsync(CancellationToken.None);

await using var log = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(options.Store.ConnectionString) { SearchPath = schema });
var target = new FlakyRecordingTarget(
    Arg("target"),
    log,
    node.Id,
    TimeSpan.FromMilliseconds(int.Parse(Arg("push-ms", "3"))),
    double.Parse(Arg("failure-rate", "0.33"), System.Globalization.CultureInfo.InvariantCulture),
    time);
var policy = new RetryPolicy(options.Retry);
using var signal = new ScanSignal();
var runner = new DeliveryRunner(
    store,
    new TargetRegistry([target]),
    new SourceResolver(options.SourceRoot),
    policy,
    new TargetCircuits(options.Circuit, options.Retry.MaxDelay),
    options,
    time,
    node,
    signal,
    NullLogger<DeliveryRunner>.Instance);
var scanner = new RetryScanner(store, runner, node, time, options, signal, NullLogger<RetryScanner>.Instance);

using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(int.Parse(Arg("max-seconds", "300"))));
_ = Task.Run(async () =>
{
    // The test stops a node by closing its standard input (or kills it).
    while (await Console.In.ReadLineAsync() is not null)
    {
    }

    await stop.CancelAsync();
});

var released = 0;
await using (var session = new NodeSession(store, node, time, options, NullLogger<NodeSession>.Instance))
{
    await session.StartAsync(CancellationToken.None);
    Console.WriteLine($"node {node.Id} started");
    while (!stop.IsCancellationRequested)
    {
        try
        {
            var scan = await scanner.RunOnceAsync(stop.Token);
            if (scan.Claimed == 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), time, stop.Token);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            break;
        }
    }

    released = await session.StopAsync(CancellationToken.None);
}

Console.WriteLine($"node {node.Id} stopped, released {released}");
return 0;
