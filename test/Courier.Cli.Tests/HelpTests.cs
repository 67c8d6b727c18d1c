using Courier.Cli.Tests.Infrastructure;

namespace Courier.Cli.Tests;

public sealed class HelpTests
{
    public static TheoryData<string, string[]> Verbs => new()
    {
        { "serve", ["--config", "--verbose"] },
        { "distribute", ["--video", "--rendition", "--target", "--json", "--config", "NAME=PATH"] },
        { "status", ["<ID>", "--json", "--config"] },
        { "queue", ["--state", "--target", "--json", "--config", "queued|dead"] },
        { "retry", ["--delivery", "--dead", "--target", "--config"] },
        { "stats", ["--json", "--config"] },
        { "sample", ["--dir", "--video", "--config"] },
        { "init", ["--force", "--config"] },
    };

    [Theory]
    [MemberData(nameof(Verbs))]
    public async Task Help_of_every_verb_exits_0_names_its_options_and_has_no_escape_codes(string verb, string[] options)
    {
        using var sandbox = new Sandbox("help-" + verb);
        sandbox.Environment["TERM"] = "xterm-256color";

        var result = await sandbox.RunAsync(verb, "--help");

        result.ExitCode.ShouldBe(0, result.ToString());
        result.Stdout.ShouldContain($"courier {verb}");
        foreach (var option in options)
        {
            result.Stdout.ShouldContain(option, Case.Sensitive, result.ToString());
        }

        result.Stdout.ShouldNotContain("\u001b");
        result.Stderr.ShouldBeEmpty();
    }

    [Fact]
    public async Task Help_of_courier_lists_every_verb()
    {
        using var sandbox = new Sandbox("help");

        var result = await sandbox.RunAsync("--help");

        result.ExitCode.ShouldBe(0, result.ToString());
        foreach (var verb in new[] { "serve", "distribute", "status", "queue", "retry", "stats", "sample", "init" })
        {
            result.Stdout.ShouldContain("  " + verb);
        }

        result.Stdout.ShouldNotContain("\u001b");
    }
}
