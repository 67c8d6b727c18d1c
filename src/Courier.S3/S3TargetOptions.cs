namespace Courier.S3;

/// <summary>
/// The settings of one <c>s3</c> target, under <c>Courier:Targets:NAME</c>. The credentials are never part of them:
/// <see cref="AccessKeyEnv"/> and <see cref="SecretKeyEnv"/> name the environment variables that hold them.
/// </summary>
public sealed class S3TargetOptions
{
    /// <summary>The endpoint of an S3-compatible server (<c>http://127.0.0.1:14568</c>). <value>The default (empty) is AWS itself.</value></summary>
    public string? ServiceUrl { get; set; }

    /// <summary>
    /// The AWS region requests are signed for (config key <c>AwsRegion</c>, or <c>SigningRegion</c>); the target's
    /// <c>Region</c> is Courier's own region label. <value>The default is us-east-1.</value>
    /// </summary>
    public string AwsRegion { get; set; } = S3TargetDefaults.AwsRegion;

    /// <summary>The bucket. Required.</summary>
    public string Bucket { get; set; } = string.Empty;

    /// <summary>Prepended to every object key (<c>{Prefix}/{videoId}/{rendition}/…</c>). <value>The default is none.</value></summary>
    public string Prefix { get; set; } = string.Empty;

    /// <summary>Path-style addressing (<c>host/bucket/key</c>). <value>The default is true when <see cref="ServiceUrl"/> is set, else false.</value></summary>
    public bool? ForcePathStyle { get; set; }

    /// <summary>The name of the environment variable holding the access key id. Unset together with <see cref="SecretKeyEnv"/>: the AWS default credential chain.</summary>
    public string? AccessKeyEnv { get; set; }

    /// <summary>The name of the environment variable holding the secret access key.</summary>
    public string? SecretKeyEnv { get; set; }

    /// <summary>The storage class of new objects (<c>STANDARD</c>, <c>STANDARD_IA</c> …). <value>The default is the bucket's.</value></summary>
    public string? StorageClass { get; set; }

    /// <summary>Files of at least this many bytes go multipart. <value>The default is 64 MB.</value></summary>
    public long MultipartThreshold { get; set; } = S3TargetDefaults.MultipartThreshold;

    /// <summary>Bytes per part (at least 5 MB; raised for files that would need more than 10,000 parts). <value>The default is 16 MB.</value></summary>
    public long PartSize { get; set; } = S3TargetDefaults.PartSize;

    /// <summary>Parts of one upload read into memory and sent at once: memory per upload is this times <see cref="PartSize"/>. <value>The default is 4.</value></summary>
    public int PartConcurrency { get; set; } = S3TargetDefaults.PartConcurrency;
}
