namespace Courier.Reliability.Tests.Hostile;

/// <summary>
/// Hostile input to the <c>courier</c> executable: each case exits 2 with one clear line naming the problem, stores
/// nothing (no video in the store, no file at the target), and leaves Courier working.
/// </summary>
public sealed class CliHostileInputTests : IClassFixture<HostileWorkspace>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly HostileWorkspace _workspace;

    public CliHostileInputTests(HostileWorkspace workspace) => _workspace = workspace;

    private static string[] Distribute(string video, params string[] renditions) =>
        ["distribute", "--video", video, .. renditions.SelectMany(r => new[] { "--rendition", r })];

    public static TheoryData<string, string[], string> Cases => new()
    {
        { "video id with ..", Distribute("../etc", "360p=v/360p.mp4"), "video" },
        { "video id with /", Distribute("a/b", "360p=v/360p.mp4"), "video" },
        { "video id with a unicode slash", Distribute("movie\u2215x", "360p=v/360p.mp4"), "video" },
        { "video id with fullwidth letters", Distribute("\uFF4Dovie", "360p=v/360p.mp4"), "video" },
        { "video id with a right-to-left override", Distribute("movie\u202E4pm", "360p=v/360p.mp4"), "video" },
        { "video id .", Distribute(".", "360p=v/360p.mp4"), "video" },
        { "video id ..", Distribute("..", "360p=v/360p.mp4"), "video" },
        { "empty video id", Distribute("", "360p=v/360p.mp4"), "video" },
        { "video id of 129 characters", Distribute(new string('a', 129), "360p=v/360p.mp4"), "video" },
        { "rendition path with ..", Distribute("v1", "360p=../outside.mp4"), "path" },
        { "rendition path through .. inside", Distribute("v1", "360p=v/../../outside.mp4"), "path" },
        { "absolute rendition path", Distribute("v1", "360p=/etc/passwd"), "path" },
        { "symbolic link escaping the source root", Distribute("v1", "360p=link.mp4"), "path" },
        { "package with a symbolic link escaping the source root", Distribute("v1", "1080p=pkg/"), "source root" },
        { "directory symbolic link escaping the source root", Distribute("v1", "etc=escape-dir/passwd"), "path" },
        { "overlong rendition path", Distribute("v1", "360p=" + string.Join('/', Enumerable.Repeat(new string('d', 200), 30))), "path" },
        { "missing rendition file", Distribute("v1", "360p=v/missing.mp4"), "exist" },
        { "empty package directory", Distribute("v1", "hls=empty/"), "empty" },
        { "named pipe as a rendition", Distribute("v1", "360p=v/pipe.mp4"), "regular file" },
        { "package holding a named pipe", Distribute("v1", "hls=piped/"), "regular file" },
        { "rendition name with ..", Distribute("v1", "..=v/360p.mp4"), "name" },
        { "rendition name with /", Distribute("v1", "a/b=v/360p.mp4"), "name" },
        { "rendition without =", Distribute("v1", "360p"), "360p" },
        { "duplicate renditions", Distribute("v1", "360p=v/360p.mp4", "360p=v/360p.mp4"), "twice" },
        { "10,000 renditions in one call", Distribute("v1", [.. Enumerable.Range(0, 10_000).Select(i => $"r{i}=v/360p.mp4")]), "renditions" },
        { "unknown target", [.. Distribute("v1", "360p=v/360p.mp4"), "--target", "nosuch"], "nosuch" },
        { "no rendition at all", ["distribute", "--video", "v1"], "rendition" },
        { "unknown option", [.. Distribute("v1", "360p=v/360p.mp4"), "--frobnicate"], "frobnicate" },
        { "status of a video id with ..", ["status", "../x"], "video" },
        { "missing configuration file", [.. Distribute("v1", "360p=v/360p.mp4"), "--config", "nope.json"], "nope.json" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Hostile_command_line_exits_2_with_a_clear_line_and_stores_nothing(string name, string[] arguments, string mentions)
    {
        var result = await CourierProcess.RunAsync(_workspace.Root, arguments, timeout: Timeout);

        result.ExitCode.ShouldBe(2, $"{name}: {result}");
        var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        lines.ShouldNotBeEmpty($"{name}: a message on stderr");
        lines[0].ShouldContain(mentions, Case.Insensitive, $"{name}: the first line names the problem: {result}");
        result.Stderr.ShouldNotContain("   at ", Case.Sensitive, $"{name}: no stack trace");
        result.Stderr.ShouldNotContain("secret outside the source root");
        (await _workspace.StoredAsync()).ShouldBe((0, 0), $"{name}: nothing stored");
    }

    [Theory]
    [InlineData("a target pointing at the source root", "./media")]
    [InlineData("a target pointing inside the source root", "./media/out")]
    public async Task A_config_with_a_target_writing_into_the_source_root_is_refused(string name, string root)
    {
        var config = $"bad-{Guid.NewGuid():N}.json";
        _workspace.WriteConfig(config, new Dictionary<string, object> { ["loop"] = new { Kind = "filesystem", Root = root } });

        var result = await CourierProcess.RunAsync(_workspace.Root, [.. Distribute("v1", "360p=v/360p.mp4"), "--config", config], timeout: Timeout);

        result.ExitCode.ShouldBe(2, $"{name}: {result}");
        result.Stderr.ShouldContain("loop", Case.Insensitive, result.ToString());
        result.Stderr.ShouldContain("source root", Case.Insensitive, result.ToString());
        Directory.Exists(Path.Combine(_workspace.Media, "v1")).ShouldBeFalse("nothing written into the source root");
        Directory.Exists(Path.Combine(_workspace.Media, "out")).ShouldBeFalse("nothing written into the source root");
        (await _workspace.StoredAsync()).ShouldBe((0, 0));
    }

    [Theory]
    [InlineData("configuration that is not JSON", "{ \"Courier\": ")]
    [InlineData("configuration with a wrong type", "{ \"Courier\": { \"Scan\": { \"Interval\": \"soon\" } } }")]
    [InlineData("configuration with an unknown target kind", "{ \"Courier\": { \"Targets\": { \"x\": { \"Kind\": \"ftp\" } } } }")]
    [InlineData("configuration with a negative retry delay", "{ \"Courier\": { \"Retry\": { \"FirstDelay\": \"-00:00:01\" } } }")]
    public async Task A_broken_configuration_exits_2_naming_it(string name, string json)
    {
        var config = $"broken-{Guid.NewGuid():N}.json";
        await File.WriteAllTextAsync(Path.Combine(_workspace.Root, config), json, TestContext.Current.CancellationToken);

        var result = await CourierProcess.RunAsync(_workspace.Root, [.. Distribute("v1", "360p=v/360p.mp4"), "--config", config], timeout: Timeout);

        result.ExitCode.ShouldBe(2, $"{name}: {result}");
        result.Stderr.ShouldNotBeNullOrWhiteSpace();
        result.Stderr.ShouldNotContain("   at ", Case.Sensitive, $"{name}: no stack trace");
        (await _workspace.StoredAsync()).ShouldBe((0, 0));
    }

    [Fact]
    public async Task After_hostile_input_a_good_distribution_still_works()
    {
        // Its own store and target, so the shared workspace stays empty for the other cases.
        await File.WriteAllTextAsync(Path.Combine(_workspace.Root, "good.json"), """
            { "Courier": { "SourceRoot": "./media", "Store": { "ConnectionString": "Data Source=good.db" },
              "Targets": { "archive": { "Kind": "filesystem", "Root": "./targets/good" } } } }
            """, TestContext.Current.CancellationToken);

        var result = await CourierProcess.RunAsync(_workspace.Root, [.. Distribute("good-after", "360p=v/360p.mp4"), "--config", "good.json"], timeout: Timeout);

        result.ExitCode.ShouldBe(0, result.ToString());
        File.ReadAllBytes(Path.Combine(_workspace.Root, "targets", "good", "good-after", "360p", "360p.mp4")).ShouldBe(File.ReadAllBytes(Path.Combine(_workspace.Media, "v", "360p.mp4")));
    }
}
