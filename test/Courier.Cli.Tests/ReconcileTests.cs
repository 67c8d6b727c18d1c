using System.Text.Json;
using System.Text.Json.Nodes;
using Courier.Cli.Tests.Infrastructure;

namespace Courier.Cli.Tests;

/// <summary>`courier reconcile`: a delivered file that vanished or rotted at its target is re-queued and delivered again.</summary>
public sealed class ReconcileTests
{
    [Fact]
    public async Task Missing_and_corrupted_files_are_requeued_with_exit_3_and_serve_delivers_them_again()
    {
        using var sandbox = new Sandbox("reconcile");
        sandbox.Environment["Courier__Scan__Interval"] = "00:00:01";
        var sd = sandbox.WriteMedia("movie-42/360p.mp4", 300_000);
        var hd = sandbox.WriteMedia("movie-42/720p.mp4", 500_000);
        sandbox.WriteConfig(new Dictionary<string, JsonObject> { ["archive"] = Sandbox.FileSystem("./targets/archive") });
        var distribute = await sandbox.RunAsync("distribute", "--video", "movie-42", "--rendition", "360p=movie-42/360p.mp4", "--rendition", "720p=movie-42/720p.mp4");
        distribute.ExitCode.ShouldBe(0, distribute.ToString());
        var healthy = await sandbox.RunAsync("reconcile");
        healthy.ExitCode.ShouldBe(0, healthy.ToString());
        healthy.Stdout.ShouldContain("checked 2 deliveries: 2 healthy, 0 re-queued");

        var atTarget = Path.Combine(sandbox.Dir, "targets/archive/movie-42");
        File.Delete(Path.Combine(atTarget, "360p/360p.mp4"));
        var rotten = Path.Combine(atTarget, "720p/720p.mp4");
        var bytes = await File.ReadAllBytesAsync(rotten, TestContext.Current.CancellationToken);
        bytes[250_000] ^= 0xFF;
        await File.WriteAllBytesAsync(rotten, bytes, TestContext.Current.CancellationToken);

        var reconcile = await sandbox.RunAsync("reconcile");

        reconcile.ExitCode.ShouldBe(3, reconcile.ToString());
        reconcile.Stdout.ShouldContain("movie-42/360p/360p.mp4 is missing at archive");
        reconcile.Stdout.ShouldContain("movie-42/720p/720p.mp4 at archive has SHA-256");
        reconcile.Stdout.ShouldContain("checked 2 deliveries: 0 healthy, 2 re-queued");
        var status = await sandbox.StatusAsync("movie-42");
        status.GetProperty("state").GetString().ShouldBe("partial");
        foreach (var delivery in status.GetProperty("deliveries").EnumerateArray())
        {
            delivery.GetProperty("state").GetString().ShouldBe("queued");
            delivery.GetProperty("errorKind").GetString().ShouldBe("drifted");
        }

        await using var serve = sandbox.Start("serve");
        await Eventually.WaitAsync(
            async () => (await sandbox.StatusAsync("movie-42")).GetProperty("state").GetString() == "distributed",
            TimeSpan.FromSeconds(60),
            "the scanner of `courier serve` to deliver the re-queued deliveries again",
            () => serve.Stderr);
        await serve.SignalAsync("TERM");
        (await serve.WaitAsync(TimeSpan.FromSeconds(30))).ExitCode.ShouldBe(0);

        Files.ShouldBeIdentical(Path.Combine(atTarget, "360p/360p.mp4"), sd);
        Files.ShouldBeIdentical(rotten, hd);
        var again = await sandbox.RunAsync("reconcile", "--json");
        again.ExitCode.ShouldBe(0, again.ToString());
        var result = JsonDocument.Parse(again.Stdout).RootElement;
        (result.GetProperty("checked").GetInt32(), result.GetProperty("healthy").GetInt32(), result.GetProperty("reopened").GetInt32()).ShouldBe((2, 2, 0));
        result.GetProperty("findings").GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task Reconcile_of_an_unknown_target_is_bad_input_with_exit_2()
    {
        using var sandbox = new Sandbox("reconcile-bad");
        sandbox.WriteConfig(new Dictionary<string, JsonObject> { ["archive"] = Sandbox.FileSystem("./targets/archive") });

        var reconcile = await sandbox.RunAsync("reconcile", "--target", "nowhere");

        reconcile.ExitCode.ShouldBe(2, reconcile.ToString());
        reconcile.Stderr.ShouldContain("unknown target 'nowhere'");
    }
}
