using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Courier.Core.Targets;
using Courier.Target.Compliance;

namespace Courier.S3.Tests;

/// <summary>
/// OpenStack Swift's s3api on loopback (COURIER_TEST_SWIFT_URL, started by .ci/services): a real S3 layer that checks
/// SigV4 signatures, aborts multipart uploads and checks Content-MD5, where s3rver does none of these.
/// </summary>
public static class SwiftS3
{
    public static string Url => Setting("COURIER_TEST_SWIFT_URL");

    public static string AccessKey => Setting("COURIER_TEST_SWIFT_ACCESS_KEY");

    public static string SecretKey => Setting("COURIER_TEST_SWIFT_SECRET_KEY");

    public static string Bucket => Setting("COURIER_TEST_SWIFT_BUCKET");

    /// <summary>A plain AWSSDK client with the right keys, to look at what Swift holds.</summary>
    public static AmazonS3Client RawClient() =>
        new(new BasicAWSCredentials(AccessKey, SecretKey), new AmazonS3Config
        {
            ServiceURL = Url,
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        });

    /// <summary>An s3 target on the Swift bucket under <paramref name="prefix"/>; <paramref name="secretKey"/> may be wrong on purpose.</summary>
    internal static S3Target Target(string prefix, Action<S3TargetOptions>? configure = null, VerifyMode verify = VerifyMode.Full, string? secretKey = null)
    {
        var options = new S3TargetOptions { ServiceUrl = Url, Bucket = Bucket, ForcePathStyle = true, Prefix = prefix };
        configure?.Invoke(options);
        return new S3Target("cdn-swift", "south", verify, options, new BasicAWSCredentials(AccessKey, secretKey ?? SecretKey));
    }

    /// <summary>The bytes Swift holds under <paramref name="key"/>, or null when it holds none.</summary>
    public static async Task<byte[]?> ReadAsync(string key, CancellationToken cancellationToken)
    {
        using var client = RawClient();
        try
        {
            using var response = await client.GetObjectAsync(Bucket, key, cancellationToken);
            using var buffer = new MemoryStream();
            await response.ResponseStream.CopyToAsync(buffer, cancellationToken);
            return buffer.ToArray();
        }
        catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private static string Setting(string name)
    {
        TestEnvironment.Require(name);
        return Environment.GetEnvironmentVariable(name)!;
    }
}

/// <summary>The target compliance suite against Swift's s3api: signatures checked, objects visible only whole.</summary>
public sealed class SwiftS3ComplianceTests : TargetComplianceTests
{
    private readonly List<S3Target> _targets = [];
    private readonly string _prefix = "compliance-" + Guid.NewGuid().ToString("N")[..12];

    protected override Task<ITarget> CreateTargetAsync(VerifyMode verify, CancellationToken cancellationToken)
    {
        var target = SwiftS3.Target(_prefix, o => { o.MultipartThreshold = 8L << 20; o.PartSize = 5L << 20; }, verify);
        _targets.Add(target);
        return Task.FromResult<ITarget>(target);
    }

    protected override Task<byte[]?> ReadRawAsync(string key, CancellationToken cancellationToken) => SwiftS3.ReadAsync($"{_prefix}/{key}", cancellationToken);

    protected override ValueTask CleanUpAsync()
    {
        foreach (var target in _targets)
        {
            target.Dispose();
        }

        return ValueTask.CompletedTask;
    }
}
