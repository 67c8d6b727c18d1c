using Courier.Core.Domain;
using Courier.Core.Targets;
using Microsoft.Extensions.Configuration;

namespace Courier.S3.Tests;

public sealed class S3TargetFactoryTests
{
    private const string Secret = "s3cr3t-VALUE-never-shown";

    private static TargetDefinition Definition(Dictionary<string, string?> settings, string name = "cdn-south")
    {
        var data = settings.ToDictionary(kv => $"Courier:Targets:{name}:{kv.Key}", kv => kv.Value);
        data[$"Courier:Targets:{name}:Kind"] = "s3";
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(data).Build();
        var section = configuration.GetSection($"Courier:Targets:{name}");
        return new TargetDefinition(name, "s3", settings.GetValueOrDefault("Region") ?? name, VerifyMode.Full, true, section, "/media", "/etc/courier");
    }

    private static S3TargetFactory Factory(Dictionary<string, string>? environment = null) =>
        new(null, name => environment?.GetValueOrDefault(name));

    private static Dictionary<string, string?> Valid() => new()
    {
        ["Region"] = "south",
        ["ServiceUrl"] = "http://127.0.0.1:14568",
        ["Bucket"] = "vod",
        ["AccessKeyEnv"] = "SOUTH_KEY",
        ["SecretKeyEnv"] = "SOUTH_SECRET",
    };

    private static readonly Dictionary<string, string> Keys = new() { ["SOUTH_KEY"] = "S3RVER", ["SOUTH_SECRET"] = Secret };

    [Fact]
    public void Missing_bucket_is_refused_naming_the_key()
    {
        var settings = Valid();
        settings.Remove("Bucket");

        var e = Should.Throw<BadInputException>(() => Factory(Keys).Create(Definition(settings)));

        e.Field.ShouldBe("Courier:Targets:cdn-south:Bucket");
        e.Message.ShouldBe("Courier:Targets:cdn-south:Bucket is required");
    }

    [Fact]
    public void Access_key_variable_that_is_not_set_is_refused_naming_key_and_variable()
    {
        var e = Should.Throw<BadInputException>(() => Factory(new() { ["SOUTH_SECRET"] = Secret }).Create(Definition(Valid())));

        e.Field.ShouldBe("Courier:Targets:cdn-south:AccessKeyEnv");
        e.Message.ShouldContain("SOUTH_KEY");
        e.Message.ShouldContain("not set");
    }

    [Fact]
    public void Secret_key_variable_that_is_not_set_is_refused_and_the_access_key_is_not_shown()
    {
        var e = Should.Throw<BadInputException>(() => Factory(new() { ["SOUTH_KEY"] = "AKIAVISIBLEKEY" }).Create(Definition(Valid())));

        e.Field.ShouldBe("Courier:Targets:cdn-south:SecretKeyEnv");
        e.Message.ShouldNotContain("AKIAVISIBLEKEY");
    }

    [Fact]
    public void Only_one_of_the_key_variables_is_refused()
    {
        var settings = Valid();
        settings.Remove("SecretKeyEnv");

        Should.Throw<BadInputException>(() => Factory(Keys).Create(Definition(settings))).Field.ShouldBe("Courier:Targets:cdn-south:SecretKeyEnv");
    }

    [Theory]
    [InlineData("PartSize", "4MB", "Courier:Targets:cdn-south:PartSize")]
    [InlineData("PartSize", "lots", "Courier:Targets:cdn-south:PartSize")]
    [InlineData("PartConcurrency", "0", "Courier:Targets:cdn-south:PartConcurrency")]
    [InlineData("PartConcurrency", "65", "Courier:Targets:cdn-south:PartConcurrency")]
    [InlineData("MultipartThreshold", "-1", "Courier:Targets:cdn-south:MultipartThreshold")]
    [InlineData("ForcePathStyle", "maybe", "Courier:Targets:cdn-south:ForcePathStyle")]
    [InlineData("ServiceUrl", "ftp://example.org", "Courier:Targets:cdn-south:ServiceUrl")]
    [InlineData("Bucket", "a", "Courier:Targets:cdn-south:Bucket")]
    [InlineData("AwsRegion", "us east", "Courier:Targets:cdn-south:AwsRegion")]
    public void Bad_settings_are_refused_naming_the_key_and_never_the_secret(string setting, string value, string field)
    {
        var settings = Valid();
        settings[setting] = value;

        var e = Should.Throw<BadInputException>(() => Factory(Keys).Create(Definition(settings)));

        e.Field.ShouldBe(field);
        e.Message.ShouldStartWith(field);
        e.Message.ShouldNotContain(Secret);
    }

    [Fact]
    public void Defaults_apply_and_region_is_the_courier_label()
    {
        var target = (S3Target)Factory(Keys).Create(Definition(Valid()));

        target.Kind.ShouldBe("s3");
        target.Region.ShouldBe("south");
        target.Options.AwsRegion.ShouldBe("us-east-1");
        target.Options.ForcePathStyle.ShouldBe(true);
        target.Options.MultipartThreshold.ShouldBe(64L << 20);
        target.Options.PartSize.ShouldBe(16L << 20);
        target.Options.PartConcurrency.ShouldBe(4);
        target.Options.Prefix.ShouldBe(string.Empty);
    }

    [Fact]
    public void Sizes_take_units_and_signing_region_is_separate_from_the_label()
    {
        var settings = Valid();
        settings["MultipartThreshold"] = "128MB";
        settings["PartSize"] = "8 MB";
        settings["PartConcurrency"] = "2";
        settings["SigningRegion"] = "eu-west-1";
        settings["Prefix"] = "/origin/";
        settings["ForcePathStyle"] = "false";

        var target = (S3Target)Factory(Keys).Create(Definition(settings));

        target.Options.MultipartThreshold.ShouldBe(128L << 20);
        target.Options.PartSize.ShouldBe(8L << 20);
        target.Options.PartConcurrency.ShouldBe(2);
        target.Options.AwsRegion.ShouldBe("eu-west-1");
        target.Region.ShouldBe("south");
        target.Options.Prefix.ShouldBe("origin");
        target.Options.ForcePathStyle.ShouldBe(false);
        target.ObjectKey("movie-42/360p/360p.mp4").ShouldBe("origin/movie-42/360p/360p.mp4");
    }

    [Fact]
    public async Task Target_from_configuration_with_keys_from_the_environment_delivers()
    {
        var url = S3TestServer.Url;
        var bucket = await S3TestServer.NewBucketAsync();
        var suffix = Guid.NewGuid().ToString("N")[..8].ToUpperInvariant();
        var keyVariable = $"COURIER_TEST_KEY_{suffix}";
        var secretVariable = $"COURIER_TEST_SECRET_{suffix}";
        Environment.SetEnvironmentVariable(keyVariable, S3TestServer.AccessKey);
        Environment.SetEnvironmentVariable(secretVariable, S3TestServer.SecretKey);
        try
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Courier:Targets:cdn-south:Kind"] = "s3",
                ["Courier:Targets:cdn-south:Region"] = "south",
                ["Courier:Targets:cdn-south:ServiceUrl"] = url,
                ["Courier:Targets:cdn-south:Bucket"] = bucket,
                ["Courier:Targets:cdn-south:Prefix"] = "origin",
                ["Courier:Targets:cdn-south:AccessKeyEnv"] = keyVariable,
                ["Courier:Targets:cdn-south:SecretKeyEnv"] = secretVariable,
            }).Build();
            var registry = TargetRegistry.FromConfiguration(configuration.GetSection("Courier:Targets"), [new S3TargetFactory()], "/media", "/etc/courier");
            var target = registry.Find("cdn-south").ShouldNotBeNull();
            using var files = new TempFiles();
            var source = files.Random("360p.mp4", 50_000);

            await target.ProbeAsync(TestContext.Current.CancellationToken);
            await target.PutAsync(new ObjectPut("movie-42/360p/360p.mp4", source, 50_000, "video/mp4"), TestContext.Current.CancellationToken);

            (await S3TestServer.ReadAsync(bucket, "origin/movie-42/360p/360p.mp4")).ShouldBe(await File.ReadAllBytesAsync(source, TestContext.Current.CancellationToken));
            target.Region.ShouldBe("south");
            ((IDisposable)target).Dispose();
        }
        finally
        {
            Environment.SetEnvironmentVariable(keyVariable, null);
            Environment.SetEnvironmentVariable(secretVariable, null);
        }
    }

    [Theory]
    [InlineData("67108864", 67108864L)]
    [InlineData("64MB", 67108864L)]
    [InlineData("64 mb", 67108864L)]
    [InlineData("1GB", 1073741824L)]
    [InlineData("512KB", 524288L)]
    [InlineData("5.5MB", null)]
    [InlineData("MB", null)]
    public void Size_settings_parse_bytes_and_units(string text, long? expected) =>
        S3TargetFactory.ParseSize(text).ShouldBe(expected);
}
