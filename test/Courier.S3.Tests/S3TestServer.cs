using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Courier.Core.Targets;
using Courier.Testing.Proxy;

namespace Courier.S3.Tests;

/// <summary>The shared s3rver of the test machine (COURIER_TEST_S3_URL), and a plain AWSSDK client to look at what it holds.</summary>
public static class S3TestServer
{
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";

    /// <summary>The URL of the shared s3rver; fails the test with what to do when it is not set.</summary>
    public static string Url =>
        Environment.GetEnvironmentVariable("COURIER_TEST_S3_URL") is { Length: > 0 } url
            ? url
            : throw new InvalidOperationException("COURIER_TEST_S3_URL is not set: run `.ci/services start` and `source .ci/work/env` before the S3 tests");

    /// <summary>
    /// Starts the fault proxy in front of the shared s3rver; the Host header is part of the signature, so it goes through as
    /// sent. Give a target <see cref="ProxyUrl"/> as its service URL.
    /// </summary>
    public static FaultProxy StartProxy() => FaultProxy.Start(new Uri(Url), preserveHost: true);

    /// <summary>The service URL of <paramref name="proxy"/>: <c>http://127.0.0.1:PORT</c>.</summary>
    public static string ProxyUrl(FaultProxy proxy) => proxy.Url.AbsoluteUri.TrimEnd('/');

    /// <summary>A plain AWSSDK client for <paramref name="serviceUrl"/> (path style, us-east-1, the s3rver keys).</summary>
    public static AmazonS3Client RawClient(string? serviceUrl = null) =>
        new(new BasicAWSCredentials(AccessKey, SecretKey), new AmazonS3Config
        {
            ServiceURL = serviceUrl ?? Url,
            ForcePathStyle = true,
            AuthenticationRegion = "us-east-1",
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        });

    /// <summary>A new bucket with a unique name, so tests run in parallel and again.</summary>
    public static async Task<string> NewBucketAsync(string? serviceUrl = null)
    {
        var bucket = "t-" + Guid.NewGuid().ToString("N")[..20];
        using var client = RawClient(serviceUrl);
        await client.PutBucketAsync(new PutBucketRequest { BucketName = bucket }, TestContext.Current.CancellationToken);
        return bucket;
    }

    /// <summary>The bytes the server holds under <paramref name="key"/>, read with a plain client.</summary>
    public static async Task<byte[]> ReadAsync(string bucket, string key, string? serviceUrl = null)
    {
        using var client = RawClient(serviceUrl);
        using var response = await client.GetObjectAsync(bucket, key, TestContext.Current.CancellationToken);
        using var copy = new MemoryStream();
        await response.ResponseStream.CopyToAsync(copy, TestContext.Current.CancellationToken);
        return copy.ToArray();
    }

    /// <summary>The bytes held under <paramref name="key"/>, or null when there is no such object.</summary>
    public static async Task<byte[]?> ReadOrNullAsync(string bucket, string key, string? serviceUrl = null)
    {
        try
        {
            return await ReadAsync(bucket, key, serviceUrl);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>The HEAD of an object, or null when there is none.</summary>
    public static async Task<GetObjectMetadataResponse?> HeadAsync(string bucket, string key, string? serviceUrl = null)
    {
        using var client = RawClient(serviceUrl);
        try
        {
            return await client.GetObjectMetadataAsync(bucket, key, TestContext.Current.CancellationToken);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>An s3 target on <paramref name="bucket"/> of the shared server (or <paramref name="serviceUrl"/>).</summary>
    internal static S3Target Target(string bucket, Action<S3TargetOptions>? configure = null, string? serviceUrl = null, VerifyMode verify = VerifyMode.Full, string accessKey = AccessKey)
    {
        var options = new S3TargetOptions { ServiceUrl = serviceUrl ?? Url, Bucket = bucket, ForcePathStyle = true };
        configure?.Invoke(options);
        return new S3Target("cdn-south", "south", verify, options, new BasicAWSCredentials(accessKey, SecretKey));
    }
}
