using System.Text.Json;
using System.Text.Json.Nodes;
using Courier.Cli.Tests.Infrastructure;

namespace Courier.Cli.Tests;

/// <summary>Permanent errors go straight to the dead letters; a person resubmits them with `courier retry`.</summary>
public sealed class DeadLetterTests
{
    [Fact]
    public async Task Permanent_error_is_dead_with_exit_4_and_retry_puts_it_back_in_the_queue()
    {
        var (webdav, _) = TestServices.WebDav;
        using var sandbox = new Sandbox("dead");
        sandbox.WriteMedia("movie-9/360p.mp4", 100_000);
        sandbox.WriteConfig(new Dictionary<string, JsonObject>
        {
            ["archive"] = Sandbox.FileSystem("./targets/archive"),
            // nginx refuses any request whose path holds an encoded NUL with 400 Bad Request: a permanent error.
            ["cdn-refusing"] = Sandbox.Http(new Uri(webdav, $"cli-{sandbox.Id}/%00/").ToString()),
        });

        var distribute = await sandbox.RunAsync("distribute", "--video", "movie-9", "--rendition", "360p=movie-9/360p.mp4");

        distribute.ExitCode.ShouldBe(4, distribute.ToString());
        distribute.Stdout.ShouldContain("movie-9 v1: 1 delivered, 0 queued, 1 dead");
        var dead = await QueueAsync(sandbox, "--state", "dead");
        dead.GetProperty("total").GetInt32().ShouldBe(1);
        var item = dead.GetProperty("items").EnumerateArray().Single();
        item.GetProperty("target").GetString().ShouldBe("cdn-refusing");
        item.GetProperty("state").GetString().ShouldBe("dead");
        item.GetProperty("lastError").GetString()!.ShouldContain("400");
        (await QueueAsync(sandbox, "--state", "queued")).GetProperty("total").GetInt32().ShouldBe(0);
        var human = await sandbox.RunAsync("queue", "--state", "dead");
        human.Stdout.ShouldContain(item.GetProperty("id").GetString()!);
        human.Stdout.ShouldContain("total: 1 dead");

        var retry = await sandbox.RunAsync("retry", "--delivery", item.GetProperty("id").GetString()!);

        retry.ExitCode.ShouldBe(0, retry.ToString());
        retry.Stdout.ShouldContain("requeued");
        var queued = (await QueueAsync(sandbox, "--state", "queued")).GetProperty("items").EnumerateArray().Single();
        queued.GetProperty("id").GetString().ShouldBe(item.GetProperty("id").GetString());
        queued.GetProperty("attempts").GetInt32().ShouldBe(0);
        (await QueueAsync(sandbox, "--state", "dead")).GetProperty("total").GetInt32().ShouldBe(0);

        // Submitting the video again pushes the queued delivery at once: it dies again, and `retry --dead` requeues it.
        (await sandbox.RunAsync("distribute", "--video", "movie-9", "--rendition", "360p=movie-9/360p.mp4")).ExitCode.ShouldBe(4);
        var none = await sandbox.RunAsync("retry", "--dead", "--target", "archive");
        none.ExitCode.ShouldBe(0, none.ToString());
        none.Stdout.ShouldContain("requeued 0 dead deliveries to archive");
        var all = await sandbox.RunAsync("retry", "--dead");
        all.ExitCode.ShouldBe(0, all.ToString());
        all.Stdout.ShouldContain("requeued 1 dead deliveries");
        (await QueueAsync(sandbox, "--state", "queued")).GetProperty("total").GetInt32().ShouldBe(1);
        (await QueueAsync(sandbox, "--state", "dead")).GetProperty("total").GetInt32().ShouldBe(0);
    }

    [Fact]
    public async Task Retry_of_a_delivered_or_unknown_delivery_is_bad_input()
    {
        using var sandbox = new Sandbox("retry-refused");
        sandbox.WriteMedia("movie-3/360p.mp4", 1_000);
        sandbox.WriteConfig(new Dictionary<string, JsonObject> { ["archive"] = Sandbox.FileSystem("./targets/archive") });
        (await sandbox.RunAsync("distribute", "--video", "movie-3", "--rendition", "360p=movie-3/360p.mp4")).ExitCode.ShouldBe(0);
        var delivered = (await sandbox.StatusAsync("movie-3")).GetProperty("deliveries")[0].GetProperty("id").GetString()!;

        var again = await sandbox.RunAsync("retry", "--delivery", delivered);
        var unknown = await sandbox.RunAsync("retry", "--delivery", Guid.NewGuid().ToString());
        var both = await sandbox.RunAsync("retry", "--delivery", delivered, "--dead");

        again.ExitCode.ShouldBe(2, again.ToString());
        again.StderrLines.ShouldHaveSingleItem().ShouldContain("is delivered; only queued or dead deliveries can be retried");
        unknown.ExitCode.ShouldBe(2, unknown.ToString());
        unknown.StderrLines.ShouldHaveSingleItem().ShouldContain("no such delivery");
        both.ExitCode.ShouldBe(2, both.ToString());
        both.StderrLines.ShouldHaveSingleItem().ShouldContain("either --delivery ID or --dead");
        (await sandbox.StatusAsync("movie-3")).GetProperty("state").GetString().ShouldBe("distributed");
    }

    private static async Task<JsonElement> QueueAsync(Sandbox sandbox, params string[] args)
    {
        var result = await sandbox.RunAsync(["queue", "--json", .. args]);
        result.ExitCode.ShouldBe(0, result.ToString());
        return JsonDocument.Parse(result.Stdout).RootElement.Clone();
    }
}
