using Courier.Core.Targets;
using Courier.Testing.Proxy;
using Courier.Target.Compliance;

namespace Courier.Targets.Tests.Http;

/// <summary>
/// How the <c>http</c> target's delete reports what the origin answers, through the fault proxy in front of the real
/// nginx WebDAV: a delete is only called done when the origin answers "not found" afterwards.
/// </summary>
public sealed class HttpTargetDeleteTests : IAsyncDisposable
{
    private const string Key = "movie-42/hls/index.m3u8";
    private readonly DirectoryInfo _sources = Directory.CreateTempSubdirectory("courier-http-delete-");
    private readonly string _prefix = $"http-delete-{Guid.NewGuid():N}";
    private readonly Courier.Testing.Proxy.FaultProxy _proxy = Courier.Testing.Proxy.FaultProxy.Start(new Uri(TestEnvironment.Require("COURIER_TEST_WEBDAV_URL")));
    private readonly ITarget _target;

    public HttpTargetDeleteTests()
    {
        _target = TestTargets.Create("cdn-north", new Dictionary<string, string?>
        {
            ["Kind"] = "http",
            ["BaseUrl"] = new Uri(_proxy.Url, _prefix + "/").AbsoluteUri,
        }, _sources.FullName, _sources.FullName);
    }

    private string AtOrigin => Path.Combine(TestEnvironment.Require("COURIER_TEST_WEBDAV_ROOT"), _prefix, Key);

    public async ValueTask DisposeAsync()
    {
        (_target as IDisposable)?.Dispose();
        await _proxy.DisposeAsync();
        _sources.Delete(recursive: true);
        var place = Path.Combine(TestEnvironment.Require("COURIER_TEST_WEBDAV_ROOT"), _prefix);
        if (Directory.Exists(place))
        {
            Directory.Delete(place, recursive: true);
        }
    }

    private async Task PushAsync()
    {
        var source = Path.Combine(_sources.FullName, "index.m3u8");
        await File.WriteAllTextAsync(source, "#EXTM3U\nseg_000.ts\n", Ct);
        await _target.PutAsync(new ObjectPut(Key, source, new FileInfo(source).Length, ContentTypes.For(Key), null), Ct);
        File.Exists(AtOrigin).ShouldBeTrue("the playlist was not pushed");
    }

    [Fact]
    public async Task A_delete_answered_204_while_the_file_is_still_served_is_not_called_removed()
    {
        await PushAsync();
        var rule = _proxy.Add(FaultRule.For(Fault.AckWithoutDeleting()).OnMethod("DELETE"));

        var e = await Should.ThrowAsync<TargetException>(() => _target.DeleteAsync(Key, Ct));

        rule.Fired.ShouldBe(1, "the DELETE was acknowledged by the proxy");
        // The proxy records an exchange once its answer is written, which can be after the client has read it.
        await Eventually.WaitForAsync(() => _proxy.Exchanges.Any(x => x.Method == "DELETE" && x.Status == 204), TimeSpan.FromSeconds(5), "the proxy to record the acknowledged DELETE");
        e.IsTransient.ShouldBeTrue("a later try may remove it");
        e.Kind.ShouldBe(ErrorKinds.NotRemoved);
        e.Message.ShouldContain("deleted but still served");
        e.Target.ShouldBe("cdn-north");
        File.Exists(AtOrigin).ShouldBeTrue("the origin still holds the file");
        (await _target.ProveAbsentAsync(Key, Ct)).ShouldBeFalse();

        _proxy.ClearRules();
        await _target.DeleteAsync(Key, Ct);

        File.Exists(AtOrigin).ShouldBeFalse("the retried delete removed the file");
        (await _target.ProveAbsentAsync(Key, Ct)).ShouldBeTrue();
    }

    [Fact]
    public async Task A_delete_refused_with_403_is_permanent_auth_and_leaves_the_file()
    {
        await PushAsync();
        _proxy.Add(FaultRule.For(Fault.Status(403)).OnMethod("DELETE"));

        var e = await Should.ThrowAsync<TargetException>(() => _target.DeleteAsync(Key, Ct));

        e.IsTransient.ShouldBeFalse();
        e.Kind.ShouldBe(ErrorKinds.Auth);
        e.Message.ShouldContain("403");
        File.Exists(AtOrigin).ShouldBeTrue();
    }

    [Fact]
    public async Task A_delete_answered_503_is_transient_and_names_the_status()
    {
        await PushAsync();
        _proxy.Add(FaultRule.For(Fault.Status(503, retryAfterSeconds: 2)).OnMethod("DELETE"));

        var e = await Should.ThrowAsync<TargetException>(() => _target.DeleteAsync(Key, Ct));

        e.IsTransient.ShouldBeTrue();
        e.Kind.ShouldBe(ErrorKinds.Http(503));
        e.RetryAfter.ShouldBe(TimeSpan.FromSeconds(2));
        File.Exists(AtOrigin).ShouldBeTrue();
    }

    [Fact]
    public async Task When_the_proof_fails_with_503_the_delete_is_not_called_done()
    {
        await PushAsync();
        _proxy.Add(FaultRule.For(Fault.Status(503)).OnMethod("HEAD"));

        var e = await Should.ThrowAsync<TargetException>(() => _target.DeleteAsync(Key, Ct));

        e.IsTransient.ShouldBeTrue();
        e.Kind.ShouldBe(ErrorKinds.Http(503));
        File.Exists(AtOrigin).ShouldBeFalse("the DELETE itself went through");
    }

    [Fact]
    public async Task A_delete_the_origin_answers_404_is_success()
    {
        await _target.DeleteAsync(Key, Ct);

        await Eventually.WaitForAsync(() => _proxy.Exchanges.Any(x => x.Method == "DELETE" && x.Status == 404) && _proxy.Exchanges.Any(x => x.Method == "HEAD" && x.Status == 404), TimeSpan.FromSeconds(5), "the proxy to record the DELETE and the HEAD, both 404");
    }
}
