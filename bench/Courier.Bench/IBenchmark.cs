namespace Courier.Bench;

/// <summary>One benchmark: runs a raw baseline and Courier on the same input in the same process and prints the ratio.</summary>
internal interface IBenchmark
{
    /// <summary>A short name, for <c>--only NAME</c>.</summary>
    string Name { get; }

    /// <summary>Runs the benchmark; <paramref name="smoke"/> means a tiny size, to prove it still runs.</summary>
    Task RunAsync(bool smoke, TextWriter output, CancellationToken cancellationToken);
}
