using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Courier.Core.Domain;
using Courier.Core.Sources;
using Courier.Core.Targets;
using Courier.Target.Compliance;
using Courier.Targets.Http;

namespace Courier.Targets.Tests.Http;

/// <summary>
/// What only the <c>http</c> kind does: its configuration, the requests it sends, and how it classifies what an origin
/// answers — against nginx where nginx can be made to answer so, else against a scripted origin on loopback.
/// </summary>
public sealed class HttpTargetTests : IDisposable
{
    private readonly DirectoryInfo _sources = Directory.CreateTempSubdirectory("courier-http-target-");
    private readonly string _prefix = $"http-tests-{Guid.NewGuid():N}";
    private readonly List<ITarget> _targets = [];

    public void Dispose()
    {
        foreach (var target in _targets)
        {
            (target as IDisposable)?.Dispose();
        }

        _sources.Delete(recursive: true);
        var webDavRoot = Environment.GetEnvironmentVariable("COURIER_TEST_WEBDAV_ROOT");
        if (!string.IsNullOrEmpty(webDavRoot) && Directory.Exists(Path.Combine(webDavRoot, _prefix)))
        {
            Directory.Delete(Path.Combine(webDavRoot, _prefix), recursive: true);
        }
    }

    // ---- configuration ----

    [Fact]
    public void Missing_BaseUrl_is_refused_naming_its_key()
    {
        var e = Should.Throw<BadInputException>(() => Make(new() { ["Kind"] = "http" }));

        e.Field.ShouldBe("Courier:Targets:cdn-north:BaseUrl");
        e.Message.ShouldContain("Courier:Targets:cdn-north:BaseUrl is required");
    }

    [Theory]
    [InlineData("cdn.example.com/vod/")]
    [InlineData("/vod/")]
    [InlineData("ftp://127.0.0.1/vod/")]
    [InlineData("http://127.0.0.1:18080/vod/?signature=1")]
    [InlineData("http://127.0.0.1:18080/vod/#top")]
    public void BaseUrl_that_is_not_a_plain_absolute_http_url_is_refused_naming_its_key(string baseUrl)
    {
        var e = Should.Throw<BadInputException>(() => Make(new() { ["Kind"] = "http", ["BaseUrl"] = baseUrl }));

        e.Field.ShouldBe("Courier:Targets:cdn-north:BaseUrl");
        e.Message.ShouldStartWith("Courier:Targets:cdn-north:BaseUrl");
    }

    [Fact]
    public void BaseUrl_with_a_password_is_refused_without_echoing_it()
    {
        var e = Should.Throw<BadInputException>(() => Make(new() { ["Kind"] = "http", ["BaseUrl"] = "http://courier:pa55word@127.0.0.1:18080/vod/" }));

        e.Field.ShouldBe("Courier:Targets:cdn-north:BaseUrl");
        e.Message.ShouldNotContain("pa55word");
    }

    [Fact]
    public void Unknown_upload_mode_is_refused_naming_its_key()
    {
        var e = Should.Throw<BadInputException>(() => Make(new() { ["Kind"] = "http", ["BaseUrl"] = "http://127.0.0.1:18080/", ["Upload"] = "post" }));

        e.Field.ShouldBe("Courier:Targets:cdn-north:Upload");
        e.Message.ShouldContain("\"move\" or \"put\"");
    }

    [Theory]
    [InlineData("soon")]
    [InlineData("-00:00:05")]
    [InlineData("00:00:00")]
    public void Timeout_that_is_not_a_positive_time_span_is_refused_naming_its_key(string timeout)
    {
        var e = Should.Throw<BadInputException>(() => Make(new() { ["Kind"] = "http", ["BaseUrl"] = "http://127.0.0.1:18080/", ["Timeout"] = timeout }));

        e.Field.ShouldBe("Courier:Targets:cdn-north:Timeout");
    }

    [Fact]
    public void HeaderEnv_naming_an_unset_variable_is_refused_naming_its_key()
    {
        var variable = $"COURIER_TEST_UNSET_{Guid.NewGuid():N}";

        var e = Should.Throw<BadInputException>(() => Make(new() { ["Kind"] = "http", ["BaseUrl"] = "http://127.0.0.1:18080/", ["HeaderEnv:Authorization"] = variable }));

        e.Field.ShouldBe("Courier:Targets:cdn-north:HeaderEnv:Authorization");
        e.Message.ShouldContain(variable);
    }

    [Fact]
    public void Header_value_with_a_line_break_is_refused_without_echoing_it()
    {
        var e = Should.Throw<BadInputException>(() => Make(new() { ["Kind"] = "http", ["BaseUrl"] = "http://127.0.0.1:18080/", ["Headers:X-Key"] = "secret-line\r\nX-Evil: 1" }));

        e.Field.ShouldBe("Courier:Targets:cdn-north:Headers:X-Key");
        e.Message.ShouldNotContain("secret-line");
    }

    [Fact]
    public void A_header_Courier_sets_itself_is_refused()
    {
        var e = Should.Throw<BadInputException>(() => Make(new() { ["Kind"] = "http", ["BaseUrl"] = "http://127.0.0.1:18080/", ["Headers:Destination"] = "http://elsewhere/" }));

        e.Field.ShouldBe("Courier:Targets:cdn-north:Headers:Destination");
    }

    [Fact]
    public void Defaults_are_move_upload_and_full_verification_under_a_base_url_ending_in_a_slash()
    {
        var target = (HttpTarget)Make(new() { ["Kind"] = "http", ["BaseUrl"] = "http://127.0.0.1:18080/vod" });

        target.Kind.ShouldBe("http");
        target.Region.ShouldBe("cdn-north");
        target.Verify.ShouldBe(VerifyMode.Full);
        target.Upload.ShouldBe(HttpUploadMode.Move);
        target.BaseUrl.AbsoluteUri.ShouldBe("http://127.0.0.1:18080/vod/");
    }

    [Fact]
    public void Keys_are_percent_encoded_segment_by_segment()
    {
        var target = (HttpTarget)Make(new() { ["Kind"] = "http", ["BaseUrl"] = "http://127.0.0.1:18080/vod/" });

        target.UriOf(["movie 42", "ü?#%", "a+b.ts"]).AbsoluteUri.ShouldBe("http://127.0.0.1:18080/vod/movie%2042/%C3%BC%3F%23%25/a%2Bb.ts");
    }

    // ---- the requests it sends ----

    [Fact]
    public async Task Move_upload_puts_a_streamed_body_to_a_hidden_temp_name_then_moves_it_onto_the_final_url()
    {
        var origin = new MemoryOrigin();
        await using var server = new LoopbackHttpServer(origin.Answer);
        var target = Make(Settings(server, "vod/"));
        var source = WriteRandom("src.mp4", 100_000);

        var result = await target.PutAsync(PutOf("movie 42/720p/ü.mp4", source), Ct);

        var requests = server.Requests.ToList();
        requests.Select(r => r.Method).ShouldBe(["PUT", "MOVE", "GET"]);
        var put = requests[0];
        put.Path.ShouldStartWith("/vod/movie%2042/720p/.");
        put.Path.ShouldContain(".courier-tmp-");
        put.Headers["Content-Length"].ShouldBe("100000");
        put.Headers.ShouldNotContainKey("Transfer-Encoding");
        put.Headers["Content-Type"].ShouldBe("video/mp4");
        TestData.Sha256(put.Body).ShouldBe(result.Sha256);
        requests[1].Path.ShouldBe(put.Path);
        requests[1].Headers["Destination"].ShouldBe(new Uri(server.BaseUrl, "vod/movie%2042/720p/%C3%BC.mp4").AbsoluteUri);
        requests[1].Headers["Overwrite"].ShouldBe("T");
        requests[2].Path.ShouldBe("/vod/movie%2042/720p/%C3%BC.mp4");
        origin.Objects.Keys.ShouldBe(["/vod/movie%2042/720p/%C3%BC.mp4"]);
        TestData.Sha256(origin.Objects.Values.Single()).ShouldBe(TestData.Sha256OfFile(source));
    }

    [Fact]
    public async Task Put_upload_sends_one_PUT_to_the_final_url()
    {
        var origin = new MemoryOrigin();
        await using var server = new LoopbackHttpServer(origin.Answer);
        var target = Make(Settings(server, "vod/", upload: "put"));
        var source = WriteRandom("src.mp4", 10_000);

        await target.PutAsync(PutOf("movie-42/720p/720p.mp4", source), Ct);

        server.Requests.Select(r => (r.Method, r.Path)).ShouldBe([("PUT", "/vod/movie-42/720p/720p.mp4"), ("GET", "/vod/movie-42/720p/720p.mp4")]);
    }

    [Fact]
    public async Task Verify_size_checks_the_stored_size_with_HEAD()
    {
        var origin = new MemoryOrigin();
        await using var server = new LoopbackHttpServer(origin.Answer);
        var target = Make(Settings(server, "", verify: "size"));
        var source = WriteRandom("src.mp4", 10_000);

        await target.PutAsync(PutOf("movie-42/720p/720p.mp4", source), Ct);

        server.Requests.Select(r => r.Method).ShouldBe(["PUT", "MOVE", "HEAD"]);
    }

    [Fact]
    public async Task Header_values_are_sent_with_every_request_and_never_appear_in_errors()
    {
        var variable = $"COURIER_TEST_TOKEN_{Guid.NewGuid():N}";
        Environment.SetEnvironmentVariable(variable, "Bearer secret-from-env-123");
        try
        {
            await using var server = new LoopbackHttpServer(_ => new CannedResponse(401));
            var settings = Settings(server, "");
            settings["HeaderEnv:Authorization"] = variable;
            settings["Headers:X-Origin-Key"] = "secret-from-config-456";
            var target = Make(settings);

            var e = await Should.ThrowAsync<TargetException>(() => target.PutAsync(PutOf("movie-42/720p/720p.mp4", WriteRandom("src.mp4", 1_000)), Ct));
            var stat = await Should.ThrowAsync<TargetException>(() => target.StatAsync("movie-42/720p/720p.mp4", withChecksum: false, Ct));

            server.Requests.Count.ShouldBeGreaterThanOrEqualTo(2);
            server.Requests.ShouldAllBe(r => r.Headers["Authorization"] == "Bearer secret-from-env-123" && r.Headers["X-Origin-Key"] == "secret-from-config-456");
            foreach (var text in new[] { e.ToString(), stat.ToString() })
            {
                text.ShouldNotContain("secret-from-env-123");
                text.ShouldNotContain("secret-from-config-456");
            }
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    // ---- what it makes of the answers ----

    [Fact]
    public async Task An_upload_answered_201_but_not_stored_is_a_transient_not_stored_failure()
    {
        var origin = new MemoryOrigin();
        await using var server = new LoopbackHttpServer(origin.With(r => r.Method is "PUT" or "MOVE" ? new CannedResponse(201) : null));
        var target = Make(Settings(server, ""));

        var e = await Should.ThrowAsync<TargetException>(() => target.PutAsync(PutOf("movie-42/720p/720p.mp4", WriteRandom("src.mp4", 5_000)), Ct));

        e.Kind.ShouldBe(ErrorKinds.NotStored);
        e.IsTransient.ShouldBeTrue();
        e.Target.ShouldBe("cdn-north");
    }

    [Fact]
    public async Task A_flipped_byte_at_the_origin_is_a_transient_checksum_failure()
    {
        var origin = new MemoryOrigin();
        await using var server = new LoopbackHttpServer(origin.With(r =>
        {
            if (r.Method != "GET" || !origin.Objects.TryGetValue(r.Path, out var held))
            {
                return null;
            }

            var flipped = held.ToArray();
            flipped[1234] ^= 0x01;
            return new CannedResponse(200, flipped);
        }));
        var target = Make(Settings(server, ""));

        var e = await Should.ThrowAsync<TargetException>(() => target.PutAsync(PutOf("movie-42/720p/720p.mp4", WriteRandom("src.mp4", 5_000)), Ct));

        e.Kind.ShouldBe(ErrorKinds.Checksum);
        e.IsTransient.ShouldBeTrue();
        e.Message.ShouldContain("reads back with other bytes than were sent");
    }

    [Fact]
    public async Task A_short_object_under_verify_size_is_a_transient_size_mismatch()
    {
        var origin = new MemoryOrigin();
        await using var server = new LoopbackHttpServer(origin.With(r =>
            r.Method == "HEAD" && origin.Objects.TryGetValue(r.Path, out var held) ? new CannedResponse(200, held[..^1]) : null));
        var target = Make(Settings(server, "", verify: "size"));

        var e = await Should.ThrowAsync<TargetException>(() => target.PutAsync(PutOf("movie-42/720p/720p.mp4", WriteRandom("src.mp4", 5_000)), Ct));

        e.Kind.ShouldBe(ErrorKinds.SizeMismatch);
        e.IsTransient.ShouldBeTrue();
    }

    [Fact]
    public async Task A_failed_MOVE_is_reported_and_the_temp_object_is_deleted()
    {
        var origin = new MemoryOrigin();
        await using var server = new LoopbackHttpServer(origin.With(r => r.Method == "MOVE" ? new CannedResponse(502) : null));
        var target = Make(Settings(server, ""));

        var e = await Should.ThrowAsync<TargetException>(() => target.PutAsync(PutOf("movie-42/720p/720p.mp4", WriteRandom("src.mp4", 5_000)), Ct));

        e.Kind.ShouldBe("http_502");
        e.IsTransient.ShouldBeTrue();
        var requests = server.Requests.ToList();
        requests.Select(r => r.Method).ShouldBe(["PUT", "MOVE", "DELETE"]);
        requests[2].Path.ShouldBe(requests[0].Path);
        origin.Objects.ShouldBeEmpty();
    }

    [Theory]
    [InlineData(500, "http_500")]
    [InlineData(502, "http_502")]
    [InlineData(503, "http_503")]
    [InlineData(408, "http_408")]
    [InlineData(429, "throttled")]
    public async Task Server_errors_timeouts_and_throttling_are_transient(int status, string kind)
    {
        await using var server = new LoopbackHttpServer(_ => new CannedResponse(status));
        var target = Make(Settings(server, ""));

        var e = await Should.ThrowAsync<TargetException>(() => target.PutAsync(PutOf("movie-42/720p/720p.mp4", WriteRandom("src.mp4", 1_000)), Ct));

        e.IsTransient.ShouldBeTrue();
        e.Kind.ShouldBe(kind);
        e.Message.ShouldContain(status.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData(401)]
    [InlineData(403)]
    public async Task Refused_credentials_are_a_permanent_auth_failure(int status)
    {
        await using var server = new LoopbackHttpServer(_ => new CannedResponse(status));
        var target = Make(Settings(server, ""));

        var e = await Should.ThrowAsync<TargetException>(() => target.PutAsync(PutOf("movie-42/720p/720p.mp4", WriteRandom("src.mp4", 1_000)), Ct));

        e.IsTransient.ShouldBeFalse();
        e.Kind.ShouldBe(ErrorKinds.Auth);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(404)]
    [InlineData(409)]
    [InlineData(413)]
    public async Task Other_client_errors_are_permanent_and_name_the_status(int status)
    {
        await using var server = new LoopbackHttpServer(_ => new CannedResponse(status));
        var target = Make(Settings(server, ""));

        var e = await Should.ThrowAsync<TargetException>(() => target.PutAsync(PutOf("movie-42/720p/720p.mp4", WriteRandom("src.mp4", 1_000)), Ct));

        e.IsTransient.ShouldBeFalse();
        e.Kind.ShouldBe($"http_{status}");
    }

    [Fact]
    public async Task Retry_After_in_seconds_is_carried_on_the_failure()
    {
        await using var server = new LoopbackHttpServer(_ => new CannedResponse(503, null, new Dictionary<string, string> { ["Retry-After"] = "7" }));
        var target = Make(Settings(server, ""));

        var e = await Should.ThrowAsync<TargetException>(() => target.PutAsync(PutOf("movie-42/720p/720p.mp4", WriteRandom("src.mp4", 1_000)), Ct));

        e.RetryAfter.ShouldBe(TimeSpan.FromSeconds(7));
    }

    [Fact]
    public async Task Retry_After_as_a_date_is_taken_against_the_answers_own_Date()
    {
        await using var server = new LoopbackHttpServer(_ => new CannedResponse(429, null, new Dictionary<string, string>
        {
            ["Date"] = "Wed, 25 Nov 2026 10:00:00 GMT",
            ["Retry-After"] = "Wed, 25 Nov 2026 10:01:30 GMT",
        }));
        var target = Make(Settings(server, ""));

        var e = await Should.ThrowAsync<TargetException>(() => target.StatAsync("movie-42/720p/720p.mp4", withChecksum: false, Ct));

        e.Kind.ShouldBe(ErrorKinds.Throttled);
        e.RetryAfter.ShouldBe(TimeSpan.FromSeconds(90));
    }

    [Fact]
    public async Task An_origin_that_never_answers_is_a_transient_timeout_after_the_configured_timeout()
    {
        await using var server = new LoopbackHttpServer(_ => null);
        var settings = Settings(server, "");
        settings["Timeout"] = "00:00:01";
        var target = Make(settings);
        var clock = Stopwatch.StartNew();

        var put = await Should.ThrowAsync<TargetException>(() => target.PutAsync(PutOf("movie-42/720p/720p.mp4", WriteRandom("src.mp4", 200_000)), Ct));
        var stat = await Should.ThrowAsync<TargetException>(() => target.StatAsync("movie-42/720p/720p.mp4", withChecksum: false, Ct));

        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(20));
        foreach (var e in new[] { put, stat })
        {
            e.Kind.ShouldBe(ErrorKinds.Timeout);
            e.IsTransient.ShouldBeTrue();
        }

        server.Requests.First().Body.Length.ShouldBe(200_000, "the body was sent in full before the wait for the answer timed out");
    }

    [Fact]
    public async Task A_closed_port_is_a_transient_connection_failure()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var target = Make(new() { ["Kind"] = "http", ["BaseUrl"] = $"http://127.0.0.1:{port}/vod/" });

        var put = await Should.ThrowAsync<TargetException>(() => target.PutAsync(PutOf("movie-42/720p/720p.mp4", WriteRandom("src.mp4", 1_000)), Ct));
        var stat = await Should.ThrowAsync<TargetException>(() => target.StatAsync("movie-42/720p/720p.mp4", withChecksum: true, Ct));
        var probe = await Should.ThrowAsync<TargetException>(() => target.ProbeAsync(Ct));

        foreach (var e in new[] { put, stat, probe })
        {
            e.Kind.ShouldBe(ErrorKinds.Connection);
            e.IsTransient.ShouldBeTrue();
        }
    }

    [Theory]
    [InlineData(200)]
    [InlineData(403)]
    [InlineData(404)]
    [InlineData(405)]
    public async Task Probe_takes_any_answer_below_500_as_up(int status)
    {
        await using var server = new LoopbackHttpServer(_ => new CannedResponse(status));
        var target = Make(Settings(server, "vod/"));

        await target.ProbeAsync(Ct);

        server.Requests.Single().Path.ShouldBe("/vod/");
    }

    [Fact]
    public async Task Probe_of_an_origin_answering_503_fails_transiently()
    {
        await using var server = new LoopbackHttpServer(_ => new CannedResponse(503));
        var target = Make(Settings(server, ""));

        var e = await Should.ThrowAsync<TargetException>(() => target.ProbeAsync(Ct));

        e.IsTransient.ShouldBeTrue();
        e.Kind.ShouldBe("http_503");
    }

    [Theory]
    [InlineData("movie-42/../../etc/passwd")]
    [InlineData("/movie-42/720p.mp4")]
    [InlineData("movie-42//720p.mp4")]
    [InlineData("movie-42/./720p.mp4")]
    [InlineData("")]
    public async Task A_bad_key_is_refused_permanently_before_any_request(string key)
    {
        await using var server = new LoopbackHttpServer(new MemoryOrigin().Answer);
        var target = Make(Settings(server, ""));

        var e = await Should.ThrowAsync<TargetException>(() => target.PutAsync(PutOf(key, WriteRandom("src.mp4", 1_000)), Ct));

        e.IsTransient.ShouldBeFalse();
        e.Kind.ShouldBe("bad_key");
        server.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_source_file_that_is_gone_is_reported_as_missing_and_nothing_is_sent()
    {
        await using var server = new LoopbackHttpServer(new MemoryOrigin().Answer);
        var target = Make(Settings(server, ""));
        var gone = new ObjectPut("movie-42/720p/720p.mp4", Path.Combine(_sources.FullName, "gone.mp4"), 1_000, "video/mp4");

        await Should.ThrowAsync<SourceMissingException>(() => target.PutAsync(gone, Ct));

        server.Requests.ShouldBeEmpty();
    }

    // ---- against nginx ----

    [Fact]
    public async Task Nginx_answering_500_for_a_directory_it_cannot_write_is_a_transient_failure()
    {
        // Made by this (root) process with mode 0755: nginx's workers (www-data) cannot write in it.
        var locked = Directory.CreateDirectory(Path.Combine(TestEnvironment.Require("COURIER_TEST_WEBDAV_ROOT"), _prefix, "locked"));
        foreach (var upload in new[] { "move", "put" })
        {
            var target = Make(NginxSettings(upload));

            var e = await Should.ThrowAsync<TargetException>(() => target.PutAsync(PutOf("locked/movie-42/720p.mp4", WriteRandom("src.mp4", 1_000)), Ct));

            e.Kind.ShouldBe("http_500", upload);
            e.IsTransient.ShouldBeTrue(upload);
        }

        Directory.EnumerateFileSystemEntries(locked.FullName).ShouldBeEmpty();
    }

    [Theory]
    [InlineData("move")]
    [InlineData("put")]
    public async Task Nginx_refusing_an_object_over_a_directory_is_a_permanent_409_that_leaves_no_temp_object(string upload)
    {
        var target = Make(NginxSettings(upload));
        await target.PutAsync(PutOf("movie-42/hls/seg_001.ts", WriteRandom("seg.ts", 1_000)), Ct);

        var e = await Should.ThrowAsync<TargetException>(() => target.PutAsync(PutOf("movie-42/hls", WriteRandom("hls.bin", 1_000)), Ct));

        e.Kind.ShouldBe("http_409");
        e.IsTransient.ShouldBeFalse();
        NginxFiles().ShouldBe(["movie-42/hls/seg_001.ts"]);
    }

    [Theory]
    [InlineData("move")]
    [InlineData("put")]
    public async Task Nginx_holds_no_temp_object_after_puts_and_a_cancelled_put(string upload)
    {
        var target = Make(NginxSettings(upload));
        var source = WriteRandom("1080p.mp4", 8 * 1024 * 1024);
        await target.PutAsync(PutOf("movie-42/1080p/seg_001.ts", source), Ct);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var meter = new ActivityMeter(4 * 1024 * 1024, cancel.Cancel);

        await Should.ThrowAsync<OperationCanceledException>(() => target.PutAsync(PutOf("movie-42/1080p/seg_002.ts", source, meter), cancel.Token));
        await target.PutAsync(PutOf("movie-42/1080p/seg_003.ts", source), Ct);

        meter.Fired.ShouldBeTrue();
        NginxFiles().ShouldBe(["movie-42/1080p/seg_001.ts", "movie-42/1080p/seg_003.ts"]);
    }

    [Fact]
    public async Task Nginx_answering_404_means_no_object_and_a_reachable_origin()
    {
        var target = Make(NginxSettings("move"));

        (await target.StatAsync("movie-42/720p/720p.mp4", withChecksum: false, Ct)).ShouldBeNull();
        (await target.StatAsync("movie-42/720p/720p.mp4", withChecksum: true, Ct)).ShouldBeNull();
        await target.ProbeAsync(Ct);
    }

    // ---- helpers ----

    private ITarget Make(Dictionary<string, string?> settings)
    {
        var target = TestTargets.Create("cdn-north", settings, _sources.FullName, _sources.FullName);
        _targets.Add(target);
        return target;
    }

    private static Dictionary<string, string?> Settings(LoopbackHttpServer server, string path, string upload = "move", string verify = "full") => new()
    {
        ["Kind"] = "http",
        ["BaseUrl"] = new Uri(server.BaseUrl, path).AbsoluteUri,
        ["Upload"] = upload,
        ["Verify"] = verify,
    };

    private Dictionary<string, string?> NginxSettings(string upload) => new()
    {
        ["Kind"] = "http",
        ["BaseUrl"] = new Uri(new Uri(TestEnvironment.Require("COURIER_TEST_WEBDAV_URL")), _prefix + "/").AbsoluteUri,
        ["Upload"] = upload,
    };

    /// <summary>Every file nginx holds under this test's prefix, '/'-separated, sorted.</summary>
    private List<string> NginxFiles()
    {
        var place = Path.Combine(TestEnvironment.Require("COURIER_TEST_WEBDAV_ROOT"), _prefix);
        return [.. Directory.EnumerateFiles(place, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(place, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal)];
    }

    private string WriteRandom(string name, int size)
    {
        var path = Path.Combine(_sources.FullName, $"{Guid.NewGuid():N}-{name}");
        TestData.WriteRandomFile(path, size, seed: size);
        return path;
    }

    private static ObjectPut PutOf(string key, string sourcePath, IProgress<long>? activity = null) =>
        new(key, sourcePath, new FileInfo(sourcePath).Length, ContentTypes.For(key), activity);
}
