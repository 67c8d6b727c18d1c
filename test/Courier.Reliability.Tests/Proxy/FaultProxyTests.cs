using System.Net;
using System.Net.Sockets;

namespace Courier.Reliability.Tests.Proxy;

/// <summary>The fault proxy itself, in front of the real nginx WebDAV: every fault is observable by a plain HttpClient.</summary>
public sealed class FaultProxyTests : IAsyncLifetime
{
    private readonly string _prefix = $"reliability-proxy/{Guid.NewGuid():N}";
    private global::Courier.Testing.Proxy.FaultProxy _proxy = null!;
    private HttpClient _client = null!;

    public ValueTask InitializeAsync()
    {
        _proxy = global::Courier.Testing.Proxy.FaultProxy.Start(TestEnvironment.WebDavUrl);
        _client = new HttpClient { BaseAddress = _proxy.Url, Timeout = TimeSpan.FromSeconds(20) };
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _proxy.DisposeAsync();
    }

    private string Stored(string name) => Path.Combine(TestEnvironment.WebDavRoot, _prefix, name);

    private static byte[] Payload(int length, int seed = 7)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private Task<HttpResponseMessage> PutAsync(string name, byte[] body, CancellationToken cancellationToken) =>
        _client.PutAsync($"{_prefix}/{name}", new ByteArrayContent(body), cancellationToken);

    [Fact]
    public async Task Untouched_requests_are_forwarded_and_stored_byte_for_byte()
    {
        var body = Payload(300_000);
        using var put = await PutAsync("a.bin", body, Ct);
        put.StatusCode.ShouldBe(HttpStatusCode.Created);
        File.ReadAllBytes(Stored("a.bin")).ShouldBe(body);
        (await _client.GetByteArrayAsync($"{_prefix}/a.bin", Ct)).ShouldBe(body);
        _proxy.Exchanges.Select(e => e.Fault.Kind).ShouldAllBe(k => k == FaultKind.None);
    }

    [Fact]
    public async Task Chunked_request_bodies_are_decoded_and_stored()
    {
        var body = Payload(100_000);
        using var content = new StreamContent(new MemoryStream(body));
        content.Headers.ContentLength = null;
        using var request = new HttpRequestMessage(HttpMethod.Put, $"{_prefix}/chunked.bin") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        using var put = await _client.SendAsync(request, Ct);
        put.StatusCode.ShouldBe(HttpStatusCode.Created);
        File.ReadAllBytes(Stored("chunked.bin")).ShouldBe(body);
    }

    [Theory]
    [InlineData(500, null)]
    [InlineData(503, 3)]
    [InlineData(429, 7)]
    public async Task Status_faults_answer_the_status_with_retry_after_and_store_nothing(int status, int? retryAfter)
    {
        _proxy.Inject(Fault.Status(status, retryAfter)).OnMethod("PUT");
        using var put = await PutAsync("s.bin", Payload(50_000), Ct);
        ((int)put.StatusCode).ShouldBe(status);
        put.Headers.RetryAfter?.Delta.ShouldBe(retryAfter is null ? null : TimeSpan.FromSeconds(retryAfter.Value));
        File.Exists(Stored("s.bin")).ShouldBeFalse();
    }

    [Fact]
    public async Task Reset_drops_the_connection_and_stores_nothing()
    {
        _proxy.Inject(Fault.Reset()).OnMethod("PUT");
        await Should.ThrowAsync<HttpRequestException>(() => PutAsync("r.bin", Payload(50_000), Ct));
        File.Exists(Stored("r.bin")).ShouldBeFalse();
        _proxy.Exchanges.Single().Fault.Kind.ShouldBe(FaultKind.Reset);
    }

    [Fact]
    public async Task Hang_after_body_reads_everything_and_never_answers()
    {
        _proxy.Inject(Fault.HangAfterBody()).OnMethod("PUT");
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cts.CancelAfter(TimeSpan.FromSeconds(1.5));
        await Should.ThrowAsync<OperationCanceledException>(() => PutAsync("h.bin", Payload(80_000), cts.Token));
        var exchange = await Eventually.WaitForAsync(() => Task.FromResult(_proxy.Exchanges.SingleOrDefault()), e => e is not null, TimeSpan.FromSeconds(5), "the hung exchange ends when the client leaves");
        exchange!.BodyBytesRead.ShouldBe(80_000);
        exchange.Status.ShouldBeNull();
        File.Exists(Stored("h.bin")).ShouldBeFalse();
    }

    [Fact]
    public async Task Stall_mid_body_stops_reading_part_way_and_never_answers()
    {
        _proxy.Inject(Fault.StallMidBody(afterBytes: 64 * 1024)).OnMethod("PUT");
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var put = PutAsync("m.bin", Payload(32 * 1024 * 1024), cts.Token);
        // The stalled exchange reads 64 KiB of the body and never answers; the client gives up a while after it is in.
        await Eventually.WaitForAsync(() => _proxy.RequestCount > 0, TimeSpan.FromSeconds(20), "the PUT to reach the proxy");
        cts.CancelAfter(TimeSpan.FromSeconds(3));
        await Should.ThrowAsync<OperationCanceledException>(() => put);
        await _proxy.DisposeAsync();
        // The cut-off exchange is recorded when its handler unwinds, which can finish just after the dispose returns.
        await Eventually.WaitForAsync(() => _proxy.Exchanges.Count > 0, TimeSpan.FromSeconds(20), "the proxy to record the stalled PUT");
        var exchange = _proxy.Exchanges.Single();
        exchange.BodyBytesRead.ShouldBe(64 * 1024);
        exchange.Status.ShouldBeNull();
        File.Exists(Stored("m.bin")).ShouldBeFalse();
    }

    [Fact]
    public async Task Truncate_body_makes_the_target_store_a_shorter_object_and_answer_success()
    {
        _proxy.Inject(Fault.TruncateBody()).OnMethod("PUT");
        var body = Payload(100_000);
        using var put = await PutAsync("t.bin", body, Ct);
        put.StatusCode.ShouldBe(HttpStatusCode.Created);
        File.ReadAllBytes(Stored("t.bin")).ShouldBe(body[..50_000]);
    }

    [Fact]
    public async Task Flip_byte_makes_the_target_store_one_wrong_byte_and_answer_success()
    {
        _proxy.Inject(Fault.FlipByte()).OnMethod("PUT");
        var body = Payload(100_000);
        using var put = await PutAsync("f.bin", body, Ct);
        put.StatusCode.ShouldBe(HttpStatusCode.Created);
        var stored = File.ReadAllBytes(Stored("f.bin"));
        stored.Length.ShouldBe(body.Length);
        Enumerable.Range(0, body.Length).Where(i => stored[i] != body[i]).ShouldBe([50_000]);
    }

    [Fact]
    public async Task Ok_without_storing_answers_created_and_the_target_holds_nothing()
    {
        _proxy.Inject(Fault.OkWithoutStoring()).OnMethod("PUT");
        using var put = await PutAsync("o.bin", Payload(10_000), Ct);
        put.StatusCode.ShouldBe(HttpStatusCode.Created);
        File.Exists(Stored("o.bin")).ShouldBeFalse();
        using var get = await _client.GetAsync($"{_prefix}/o.bin", Ct);
        get.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Truncate_response_cuts_a_read_back_off_halfway()
    {
        var body = Payload(200_000);
        (await PutAsync("g.bin", body, Ct)).Dispose();
        _proxy.Inject(Fault.TruncateResponse()).OnMethod("GET");
        await Should.ThrowAsync<HttpRequestException>(() => _client.GetByteArrayAsync($"{_prefix}/g.bin", Ct));
    }

    [Fact]
    public async Task Going_down_refuses_connections_and_coming_up_serves_again_on_the_same_port()
    {
        var url = _proxy.Url;
        _proxy.GoDown();
        var refused = await Should.ThrowAsync<HttpRequestException>(() => PutAsync("d.bin", Payload(1_000), Ct));
        refused.InnerException.ShouldBeOfType<SocketException>().SocketErrorCode.ShouldBe(SocketError.ConnectionRefused);
        _proxy.GoUp();
        _proxy.Url.ShouldBe(url);
        using var put = await PutAsync("d.bin", Payload(1_000), Ct);
        put.StatusCode.ShouldBe(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Going_down_resets_requests_in_progress()
    {
        _proxy.Inject(Fault.HangAfterBody()).OnMethod("PUT");
        var pending = PutAsync("p.bin", Payload(10_000), Ct);
        await Eventually.WaitForAsync(() => _proxy.RequestCount == 1, TimeSpan.FromSeconds(5), "the request reaches the proxy");
        _proxy.GoDown();
        await Should.ThrowAsync<HttpRequestException>(() => pending);
    }

    [Fact]
    public async Task Rules_fire_by_method_path_index_skip_and_count()
    {
        _proxy.Add(FaultRule.For(Fault.Status(503)).OnMethod("PUT").OnPath("/x-").After(1).Times(2));
        _proxy.Add(FaultRule.For(Fault.Status(500)).OnRequests(5));
        var codes = new List<int>();
        for (var i = 0; i < 6; i++)
        {
            using var put = await PutAsync($"x-{i}.bin", Payload(100), Ct);
            codes.Add((int)put.StatusCode);
        }

        codes.ShouldBe([201, 503, 503, 201, 201, 500]);
        using var other = await PutAsync("y.bin", Payload(100), Ct);
        other.StatusCode.ShouldBe(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Probabilistic_rules_repeat_exactly_for_the_same_seed()
    {
        async Task<List<bool>> RunAsync()
        {
            await using var proxy = global::Courier.Testing.Proxy.FaultProxy.Start(TestEnvironment.WebDavUrl);
            using var client = new HttpClient { BaseAddress = proxy.Url };
            proxy.Add(FaultRule.For(Fault.Status(503)).WithProbability(0.5, seed: 42));
            var faulted = new List<bool>();
            for (var i = 0; i < 20; i++)
            {
                using var put = await client.PutAsync($"{_prefix}/p{i}.bin", new ByteArrayContent([1, 2, 3]), Ct);
                ((int)put.StatusCode).ShouldBeOneOf(201, 204, 503);
                faulted.Add(put.StatusCode == HttpStatusCode.ServiceUnavailable);
            }

            return faulted;
        }

        var first = await RunAsync();
        var second = await RunAsync();
        second.ShouldBe(first);
        first.ShouldContain(true);
        first.ShouldContain(false);
    }
}
