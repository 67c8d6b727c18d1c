using Courier.Core.Targets;
using Courier.Target.Compliance;

namespace Courier.Targets.Tests.Http;

/// <summary>
/// The target compliance suite against an <c>http</c> target on the real nginx WebDAV server, each test under its own
/// URL prefix. What nginx holds is read straight from its document root on disk, not over HTTP.
/// </summary>
public abstract class WebDavComplianceTests : TargetComplianceTests
{
    private readonly string _prefix = $"compliance-{Guid.NewGuid():N}";
    private readonly List<ITarget> _targets = [];

    /// <summary>The <c>Upload</c> setting under test.</summary>
    protected abstract string Upload { get; }

    protected override Task<ITarget> CreateTargetAsync(VerifyMode verify, CancellationToken cancellationToken)
    {
        var baseUrl = new Uri(new Uri(TestEnvironment.Require("COURIER_TEST_WEBDAV_URL")), _prefix + "/");
        var target = TestTargets.Create("cdn-north", new Dictionary<string, string?>
        {
            ["Kind"] = "http",
            ["Region"] = "north",
            ["BaseUrl"] = baseUrl.AbsoluteUri,
            ["Upload"] = Upload,
            ["Verify"] = verify.ToString().ToLowerInvariant(),
        }, SourceDirectory, SourceDirectory);
        _targets.Add(target);
        return Task.FromResult(target);
    }

    protected override async Task<byte[]?> ReadRawAsync(string key, CancellationToken cancellationToken)
    {
        var path = Path.Combine(WebDavRoot, _prefix, key.Replace('/', Path.DirectorySeparatorChar));
        return await RawFiles.ReadAsync(path, cancellationToken);
    }

    protected override ValueTask CleanUpAsync()
    {
        foreach (var target in _targets)
        {
            (target as IDisposable)?.Dispose();
        }

        var place = Path.Combine(WebDavRoot, _prefix);
        if (Directory.Exists(place))
        {
            Directory.Delete(place, recursive: true);
        }

        return ValueTask.CompletedTask;
    }

    private static string WebDavRoot => TestEnvironment.Require("COURIER_TEST_WEBDAV_ROOT");
}

/// <summary>The suite with <c>Upload = "move"</c> (the default): PUT to a temp name, then MOVE.</summary>
public sealed class WebDavMoveComplianceTests : WebDavComplianceTests
{
    protected override string Upload => "move";
}

/// <summary>The suite with <c>Upload = "put"</c>: one PUT to the final URL.</summary>
public sealed class WebDavPutComplianceTests : WebDavComplianceTests
{
    protected override string Upload => "put";
}
