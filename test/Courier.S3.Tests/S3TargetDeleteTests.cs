using Courier.Core.Targets;
using Courier.Target.Compliance;
using Fault = Courier.Testing.Proxy.Fault;
using FaultRule = Courier.Testing.Proxy.FaultRule;
using RuleProxy = Courier.Testing.Proxy.FaultProxy;

namespace Courier.S3.Tests;

/// <summary>
/// How the s3 target's delete reports what the server answers, through the rule-driven fault proxy in front of the
/// shared s3rver: a delete is only called done when a HEAD of the key answers 404 afterwards.
/// </summary>
public sealed class S3TargetDeleteTests : IAsyncLifetime
{
    private const string Key = "movie-42/hls/index.m3u8";
    private readonly DirectoryInfo _sources = Directory.CreateTempSubdirectory("courier-s3-delete-");
    private RuleProxy _proxy = null!;
    private S3Target _target = null!;
    private string _bucket = string.Empty;

    public async ValueTask InitializeAsync()
    {
        TestEnvironment.Require("COURIER_TEST_S3_URL");
        _bucket = await S3TestServer.NewBucketAsync();
        _proxy = RuleProxy.Start(new Uri(S3TestServer.Url), preserveHost: true);
        _target = S3TestServer.Target(_bucket, serviceUrl: _proxy.Url.AbsoluteUri);
        var source = Path.Combine(_sources.FullName, "index.m3u8");
        await File.WriteAllTextAsync(source, "#EXTM3U\nseg_000.ts\n", Ct);
        await _target.PutAsync(new ObjectPut(Key, source, new FileInfo(source).Length, ContentTypes.For(Key), null), Ct);
    }

    public async ValueTask DisposeAsync()
    {
        _target.Dispose();
        await _proxy.DisposeAsync();
        _sources.Delete(recursive: true);
    }

    [Fact]
    public async Task A_delete_answered_204_while_the_object_is_still_served_is_not_called_removed()
    {
        var rule = _proxy.Add(FaultRule.For(Fault.AckWithoutDeleting()).OnMethod("DELETE"));

        var e = await Should.ThrowAsync<TargetException>(() => _target.DeleteAsync(Key, Ct));

        rule.Fired.ShouldBe(1, "the DELETE was acknowledged by the proxy");
        e.IsTransient.ShouldBeTrue("a later try may remove it");
        e.Kind.ShouldBe(ErrorKinds.NotRemoved);
        e.Message.ShouldContain("deleted but still served");
        (await S3TestServer.ReadOrNullAsync(_bucket, Key)).ShouldNotBeNull("the server still holds the object");

        _proxy.ClearRules();
        await _target.DeleteAsync(Key, Ct);

        (await S3TestServer.ReadOrNullAsync(_bucket, Key)).ShouldBeNull("the retried delete removed the object");
        (await _target.ProveAbsentAsync(Key, Ct)).ShouldBeTrue();
    }

    [Fact]
    public async Task A_head_answered_403_proves_nothing_and_says_why()
    {
        await _target.DeleteAsync(Key, Ct);
        _proxy.Add(FaultRule.For(Fault.Status(403)).OnMethod("HEAD"));

        var e = await Should.ThrowAsync<TargetException>(() => _target.ProveAbsentAsync(Key, Ct));

        e.IsTransient.ShouldBeFalse("a missing permission does not come back by waiting");
        e.Kind.ShouldBe(ErrorKinds.Auth);
        e.Message.ShouldContain("cannot prove the object is gone");
        e.Message.ShouldContain("s3:ListBucket");
        e.Message.ShouldNotContain(S3TestServer.SecretKey);
    }

    [Fact]
    public async Task A_delete_refused_with_403_is_permanent_auth_and_leaves_the_object()
    {
        _proxy.Add(FaultRule.For(Fault.Status(403)).OnMethod("DELETE"));

        var e = await Should.ThrowAsync<TargetException>(() => _target.DeleteAsync(Key, Ct));

        e.IsTransient.ShouldBeFalse();
        e.Kind.ShouldBe(ErrorKinds.Auth);
        (await S3TestServer.ReadOrNullAsync(_bucket, Key)).ShouldNotBeNull();
    }
}
