using System.Text.Json.Nodes;
using Courier.Cli.Tests.Infrastructure;

namespace Courier.Cli.Tests;

public sealed class StoreFailureTests
{
    [Fact]
    public async Task Store_that_cannot_be_read_exits_1_with_one_line_and_no_stack_trace()
    {
        using var sandbox = new Sandbox("store-broken");
        sandbox.WriteConfig(new Dictionary<string, JsonObject> { ["archive"] = Sandbox.FileSystem("./targets/archive") });
        sandbox.WriteText("courier.db", new string('x', 4096));
        sandbox.WriteMedia("movie-42/360p.mp4", 1_000);

        foreach (var args in new[] { ["status", "movie-42"], ["queue", "--json"], ["stats"], new[] { "distribute", "--video", "movie-42", "--rendition", "360p=movie-42/360p.mp4" } })
        {
            var result = await sandbox.RunAsync(args);

            result.ExitCode.ShouldBe(1, result.ToString());
            result.StderrLines.ShouldHaveSingleItem().ShouldContain("file is not a database");
            result.Stderr.ShouldNotContain("   at ");
            result.Stdout.ShouldBeEmpty();
        }

        Files.List(Path.Combine(sandbox.Dir, "targets")).ShouldBeEmpty();
    }
}
