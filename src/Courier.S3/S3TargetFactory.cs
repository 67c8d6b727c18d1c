using System.Globalization;
using Amazon.Runtime;
using Courier.Core.Domain;
using Courier.Core.Targets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Courier.S3;

/// <summary>
/// Makes <c>s3</c> targets from <c>Courier:Targets:NAME</c>. Every refusal is a <see cref="BadInputException"/> naming
/// the configuration key; the credentials are read from the environment variables the configuration names and never
/// appear in a message.
/// </summary>
internal sealed class S3TargetFactory : ITargetFactory
{
    private readonly ILoggerFactory _loggers;
    private readonly Func<string, string?> _environment;

    public S3TargetFactory(ILoggerFactory? loggers = null)
        : this(loggers, Environment.GetEnvironmentVariable)
    {
    }

    internal S3TargetFactory(ILoggerFactory? loggers, Func<string, string?> environment)
    {
        _loggers = loggers ?? NullLoggerFactory.Instance;
        _environment = environment;
    }

    public string Kind => "s3";

    public ITarget Create(TargetDefinition definition)
    {
        var options = Bind(definition);
        var credentials = Credentials(definition, options);
        return new S3Target(definition.Name, definition.Region, definition.Verify, options, credentials, _loggers.CreateLogger<S3Target>());
    }

    /// <summary>Reads and checks the options of one target.</summary>
    internal static S3TargetOptions Bind(TargetDefinition definition)
    {
        var section = definition.Section;
        var options = new S3TargetOptions
        {
            ServiceUrl = Trimmed(section["ServiceUrl"]),
            Bucket = Trimmed(section["Bucket"]) ?? string.Empty,
            Prefix = (section["Prefix"] ?? string.Empty).Trim().Trim('/'),
            AccessKeyEnv = Trimmed(section["AccessKeyEnv"]),
            SecretKeyEnv = Trimmed(section["SecretKeyEnv"]),
            StorageClass = Trimmed(section["StorageClass"]),
        };

        var awsRegionKey = section["AwsRegion"] is not null ? "AwsRegion" : "SigningRegion";
        options.AwsRegion = Trimmed(section[awsRegionKey]) ?? S3TargetDefaults.AwsRegion;
        if (!options.AwsRegion.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        {
            throw Bad(definition, awsRegionKey, $"'{Printable(options.AwsRegion)}' is not an AWS region name (like us-east-1)");
        }

        if (options.Bucket.Length == 0)
        {
            throw Bad(definition, "Bucket", "is required");
        }

        if (options.Bucket.Length is < 3 or > 255 || !options.Bucket.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_'))
        {
            throw Bad(definition, "Bucket", $"'{Printable(options.Bucket)}' is not a bucket name (3-255 of a-z 0-9 . - _)");
        }

        if (options.ServiceUrl is not null
            && (!Uri.TryCreate(options.ServiceUrl, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
        {
            throw Bad(definition, "ServiceUrl", $"'{Printable(options.ServiceUrl)}' must be an absolute http:// or https:// URL (leave it empty for AWS)");
        }

        options.ForcePathStyle = Bool(definition, "ForcePathStyle") ?? options.ServiceUrl is not null;
        options.MultipartThreshold = Size(definition, "MultipartThreshold") ?? S3TargetDefaults.MultipartThreshold;
        if (options.MultipartThreshold < 1)
        {
            throw Bad(definition, "MultipartThreshold", "must be at least 1 byte");
        }

        options.PartSize = Size(definition, "PartSize") ?? S3TargetDefaults.PartSize;
        if (options.PartSize is < S3TargetDefaults.MinPartSize or > S3TargetDefaults.MaxPartSize)
        {
            throw Bad(definition, "PartSize", $"{options.PartSize} bytes is outside what S3 accepts (5 MB to 5 GB)");
        }

        var concurrency = section["PartConcurrency"];
        if (concurrency is not null)
        {
            if (!int.TryParse(concurrency, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parts) || parts < 1 || parts > S3TargetDefaults.MaxPartConcurrency)
            {
                throw Bad(definition, "PartConcurrency", $"'{Printable(concurrency)}' must be a whole number from 1 to {S3TargetDefaults.MaxPartConcurrency}");
            }

            options.PartConcurrency = parts;
        }

        return options;
    }

    private AWSCredentials? Credentials(TargetDefinition definition, S3TargetOptions options)
    {
        if (options.AccessKeyEnv is null && options.SecretKeyEnv is null)
        {
            return null;
        }

        if (options.AccessKeyEnv is null)
        {
            throw Bad(definition, "AccessKeyEnv", "is required when SecretKeyEnv is set (the name of the environment variable holding the access key id)");
        }

        if (options.SecretKeyEnv is null)
        {
            throw Bad(definition, "SecretKeyEnv", "is required when AccessKeyEnv is set (the name of the environment variable holding the secret key)");
        }

        var accessKey = _environment(options.AccessKeyEnv);
        if (string.IsNullOrEmpty(accessKey))
        {
            throw Bad(definition, "AccessKeyEnv", $"names the environment variable {Printable(options.AccessKeyEnv)}, which is not set");
        }

        var secretKey = _environment(options.SecretKeyEnv);
        if (string.IsNullOrEmpty(secretKey))
        {
            throw Bad(definition, "SecretKeyEnv", $"names the environment variable {Printable(options.SecretKeyEnv)}, which is not set");
        }

        return new BasicAWSCredentials(accessKey, secretKey);
    }

    private static bool? Bool(TargetDefinition definition, string setting)
    {
        var text = definition.Section[setting];
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return bool.TryParse(text.Trim(), out var value) ? value : throw Bad(definition, setting, $"'{Printable(text)}' must be true or false");
    }

    /// <summary>A size setting: bytes, or a number with KB, MB or GB (1024-based).</summary>
    private static long? Size(TargetDefinition definition, string setting)
    {
        var text = definition.Section[setting];
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return ParseSize(text) ?? throw Bad(definition, setting, $"'{Printable(text)}' must be a size in bytes, or a number with KB, MB or GB (64MB)");
    }

    internal static long? ParseSize(string text)
    {
        var trimmed = text.Trim();
        var digits = 0;
        while (digits < trimmed.Length && char.IsAsciiDigit(trimmed[digits]))
        {
            digits++;
        }

        if (digits == 0 || !long.TryParse(trimmed.AsSpan(0, digits), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            return null;
        }

        long? multiplier = trimmed[digits..].Trim().ToUpperInvariant() switch
        {
            "" or "B" => 1L,
            "KB" or "K" or "KIB" => 1L << 10,
            "MB" or "M" or "MIB" => 1L << 20,
            "GB" or "G" or "GIB" => 1L << 30,
            _ => null,
        };
        return multiplier is { } m && number <= long.MaxValue / m ? number * m : null;
    }

    private static string? Trimmed(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static string Printable(string value) => Names.Printable(value);

    private static BadInputException Bad(TargetDefinition definition, string setting, string problem)
    {
        var key = definition.KeyOf(setting);
        return new BadInputException(key, $"{key} {problem}");
    }
}
