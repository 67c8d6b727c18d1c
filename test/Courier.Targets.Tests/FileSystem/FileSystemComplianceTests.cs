using Courier.Core.Targets;
using Courier.Target.Compliance;

namespace Courier.Targets.Tests.FileSystem;

/// <summary>The target compliance suite against a <c>filesystem</c> target in a temp directory.</summary>
public sealed class FileSystemComplianceTests : TargetComplianceTests
{
    private readonly DirectoryInfo _place = Directory.CreateTempSubdirectory("courier-fs-compliance-");

    private string Root => Path.Combine(_place.FullName, "targets", "archive");

    protected override Task<ITarget> CreateTargetAsync(VerifyMode verify, CancellationToken cancellationToken)
    {
        var media = Directory.CreateDirectory(Path.Combine(_place.FullName, "media")).FullName;
        var target = TestTargets.Create("archive", new Dictionary<string, string?>
        {
            ["Kind"] = "filesystem",
            ["Root"] = "targets/archive",
            ["Verify"] = verify.ToString().ToLowerInvariant(),
        }, media, _place.FullName);
        return Task.FromResult(target);
    }

    protected override async Task<byte[]?> ReadRawAsync(string key, CancellationToken cancellationToken)
    {
        var path = Path.Combine(Root, key.Replace('/', Path.DirectorySeparatorChar));
        return await RawFiles.ReadAsync(path, cancellationToken);
    }

    protected override ValueTask CleanUpAsync()
    {
        _place.Delete(recursive: true);
        return ValueTask.CompletedTask;
    }
}
