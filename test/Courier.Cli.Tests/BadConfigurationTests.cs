using Courier.Cli.Tests.Infrastructure;

namespace Courier.Cli.Tests;

/// <summary>A configuration that does not hold: exit 2, one line naming the key at fault, and nothing stored.</summary>
public sealed class BadConfigurationTests
{
    public static TheoryData<string, string, string, bool> Configurations => new()
    {
        { "malformed JSON", """{ "Courier": { "Targets": """, "is not valid JSON", false },
        { "unknown target kind", """{ "Courier": { "SourceRoot": "./media", "Targets": { "x": { "Kind": "ftp" } } } }""", "Courier:Targets:x:Kind 'ftp' is not a known kind", false },
        { "http target without BaseUrl", """{ "Courier": { "SourceRoot": "./media", "Targets": { "x": { "Kind": "http" } } } }""", "Courier:Targets:x:BaseUrl", false },
        { "filesystem target without Root", """{ "Courier": { "SourceRoot": "./media", "Targets": { "x": { "Kind": "filesystem" } } } }""", "Courier:Targets:x:Root", false },
        { "negative scan interval", """{ "Courier": { "SourceRoot": "./media", "Scan": { "Interval": "-00:00:05" }, "Targets": { "archive": { "Kind": "filesystem", "Root": "./targets/archive" } } } }""", "Courier:Scan:Interval must be a positive time span", false },
        { "postgres schema that is not a name", """{ "Courier": { "SourceRoot": "./media", "Store": { "Provider": "postgres", "ConnectionString": "Host=127.0.0.1;Port=1;Username=courier", "Schema": "Bad-Schema;drop" }, "Targets": { "archive": { "Kind": "filesystem", "Root": "./targets/archive" } } } }""", "Courier:Store:Schema 'Bad-Schema;drop' must be 1-63 of a-z 0-9 _", false },
        { "a target taking an empty list of renditions", """{ "Courier": { "SourceRoot": "./media", "Targets": { "archive": { "Kind": "filesystem", "Root": "./targets/archive", "Renditions": [] } } } }""", "Courier:Targets:archive:Renditions is empty", false },
        { "a target taking a rendition that is not a name", """{ "Courier": { "SourceRoot": "./media", "Targets": { "archive": { "Kind": "filesystem", "Root": "./targets/archive", "Renditions": ["1080p", "../x"] } } } }""", "Courier:Targets:archive:Renditions: rendition name '../x'", false },
        { "no targets", """{ "Courier": { "SourceRoot": "./media" } }""", "no targets are configured: add one under Courier:Targets", true },
    };

    [Theory]
    [MemberData(nameof(Configurations))]
    public async Task Bad_configuration_exits_2_with_the_key_at_fault_and_stores_nothing(string what, string json, string message, bool storeOpened)
    {
        using var sandbox = BadInputTests.Prepare(what);
        sandbox.WriteText("courier.json", json);

        var result = await sandbox.RunAsync("distribute", "--video", "movie-42", "--rendition", "360p=movie-42/360p.mp4");

        result.ExitCode.ShouldBe(2, result.ToString());
        result.StderrLines.ShouldHaveSingleItem().ShouldContain(message, Case.Sensitive, result.ToString());
        result.Stdout.ShouldBeEmpty();
        if (storeOpened)
        {
            await BadInputTests.ShouldHaveStoredNothingAsync(sandbox);
        }
        else
        {
            File.Exists(Path.Combine(sandbox.Dir, "courier.db")).ShouldBeFalse("the store is not even opened with a bad configuration");
        }
    }

    [Fact]
    public async Task Serve_with_a_bad_target_exits_2_before_listening()
    {
        using var sandbox = BadInputTests.Prepare("serve-bad");
        sandbox.WriteText("courier.json", """{ "Courier": { "SourceRoot": "./media", "Targets": { "x": { "Kind": "http", "BaseUrl": "ftp://example/" } } } }""");

        var result = await sandbox.RunAsync("serve");

        result.ExitCode.ShouldBe(2, result.ToString());
        result.StderrLines.ShouldHaveSingleItem().ShouldContain("Courier:Targets:x:BaseUrl");
        File.Exists(Path.Combine(sandbox.Dir, "courier.db")).ShouldBeFalse();
    }
}
