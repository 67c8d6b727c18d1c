using Courier.Bench;

// courier-bench [--smoke] [--only NAME ...]
// Full sizes by default; --smoke runs a tiny size of every benchmark quickly (CI). Exit code 0 when every benchmark ran.
// (--memory-child DIR is the child process MemoryBenchmark starts.)
if (args is [MemoryBenchmark.ChildFlag, var childRoot])
{
    return await MemoryBenchmark.ChildAsync(childRoot, CancellationToken.None);
}

var smoke = args.Contains("--smoke");
var only = args.SkipWhile(a => a != "--only").Skip(1).TakeWhile(a => !a.StartsWith("--", StringComparison.Ordinal)).ToHashSet(StringComparer.OrdinalIgnoreCase);
IBenchmark[] benchmarks = [new PackageBenchmark(), new PackageBenchmark(largeOnly: true), new DistributeBenchmark(), new ResubmitBenchmark(), new S3UploadBenchmark(), new StoreBenchmark(), new DrainBenchmark(), new MemoryBenchmark(), new IngestBenchmark()];

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
