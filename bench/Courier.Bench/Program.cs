using Courier.Bench;

// courier-bench [--smoke] [--only NAME ...] (--help says more)
// Full sizes by default; --smoke runs a tiny size of every benchmark quickly (CI). Exit code 0 when every benchmark ran.
// (--memory-child DIR is the child process MemoryBenchmark starts.)
if (args is [MemoryBenchmark.ChildFlag, var childRoot])
{
    return await MemoryBenchmark.ChildAsync(childRoot, CancellationToken.None);
}

IBenchmark[] benchmarks = [new PackageBenchmark(), new PackageBenchmark(largeOnly: true), new DistributeBenchmark(), new ResubmitBenchmark(), new S3UploadBenchmark(), new StoreBenchmark(), new DrainBenchmark(), new MemoryBenchmark(), new IngestBenchmark()];
if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(
        $"""
        courier-bench: Courier's throughput and memory against raw baselines measured in the same run (docs/benchmarks.md)

        usage: dotnet run --project bench/Courier.Bench -c Release -- [--smoke] [--only NAME ...]

          --smoke         a tiny size of every benchmark, quickly (what CI runs)
          --only NAME...  only these benchmarks: {string.Join(", ", benchmarks.Select(b => b.Name))}
                          (`large` is the large files of `package` alone)
          store only:     --stores postgres,sqlite  --slots N  --deliveries N  --slots-only  --profile  --no-latency

        Needs the test servers: `bash .ci/services start && source .ci/work/env`. Exit code 0 when every benchmark ran, 1
        when one failed, 2 for a name it does not know.
        """);
    return 0;
}

var smoke = args.Contains("--smoke");
var only = args.SkipWhile(a => a != "--only").Skip(1).TakeWhile(a => !a.StartsWith("--", StringComparison.Ordinal)).ToHashSet(StringComparer.OrdinalIgnoreCase);
if (only.FirstOrDefault(name => !benchmarks.Any(b => string.Equals(b.Name, name, StringComparison.OrdinalIgnoreCase))) is { } unknown)
{
    Console.Error.WriteLine($"courier-bench: no benchmark is called '{unknown}'; there are {string.Join(", ", benchmarks.Select(b => b.Name))}");
    return 2;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

var failed = 0;
// `large` is the second half of `package` on its own: run by name only.
foreach (var benchmark in benchmarks.Where(b => only.Count == 0 ? b.Name != "large" : only.Contains(b.Name)))
{
    Console.WriteLine($"== {benchmark.Name}{(smoke ? " (smoke)" : string.Empty)}");
    try
    {
        await benchmark.RunAsync(smoke, Console.Out, cancel.Token);
    }
    catch (Exception e) when (e is not OperationCanceledException)
    {
        failed++;
        Console.WriteLine($"   FAILED: {e.GetType().Name}: {e.Message}");
    }
}

return failed == 0 ? 0 : 1;
