using System.Diagnostics;
using Courier.Core.Sources;
using Courier.Core.Targets;

namespace Courier.Target.Compliance;

/// <summary>
/// The target compliance suite: what every target kind (filesystem, http, s3) must do, tested once and run against each.
/// A kind's test project subclasses it and says how to make a fresh target and how to read what the target holds
/// without going through the target's own code.
/// </summary>
/// <remarks>
/// xUnit makes a new instance of the test class for every test, so a subclass gives each instance a place of its own
/// (a temp directory, a unique URL or key prefix) in its constructor or <see cref="InitializeAsync"/>. Every target that
/// one instance makes (<see cref="CreateTargetAsync"/> may be called more than once in a test, with different
/// <see cref="VerifyMode"/>s) writes to that same place, and <see cref="ReadRawAsync"/> reads from it.
/// </remarks>
public abstract class TargetComplianceTests : IAsyncLifetime
{
    /// <summary>The longest a test waits for a push to reach a point, or to go on from it.</summary>
    protected static readonly TimeSpan WaitLimit = TimeSpan.FromSeconds(60);

    private const int MaxReadsWhilePutRuns = 400;

    private readonly DirectoryInfo _sourceDirectory = Directory.CreateTempSubdirectory("courier-compliance-");

    /// <summary>
    /// Makes a target of the kind under test, with the given verification, writing to this test's own place (empty at
    /// the start of the test). Every call within one test instance must give a target over the same place.
    /// </summary>
    protected abstract Task<ITarget> CreateTargetAsync(VerifyMode verify, CancellationToken cancellationToken);

    /// <summary>
    /// The bytes held under <paramref name="key"/> in this test's place, read WITHOUT the target's code (the file on disk,
    /// a plain HTTP GET, a plain SDK GetObject), or null when nothing is held there.
    /// </summary>
    protected abstract Task<byte[]?> ReadRawAsync(string key, CancellationToken cancellationToken);

    /// <summary>Removes this test's place (files, objects). Called once after each test; the default does nothing.</summary>
    protected virtual ValueTask CleanUpAsync() => ValueTask.CompletedTask;

    /// <summary>The size of the large file the suite pushes.</summary>
    /// <value>The default is 50 MiB.</value>
    protected virtual int LargeFileSize => 50 * 1024 * 1024;

    /// <summary>
    /// Why the server under test cannot replace an object atomically, so the "while a put runs" tests cannot pass there
    /// whatever the target does (they are then reported skipped, with this reason); null (the default) when it can.
    /// </summary>
    protected virtual string? NonAtomicServerReason => null;

    /// <summary>A temp directory, private to this test, where the suite writes source files.</summary>
    protected string SourceDirectory => _sourceDirectory.FullName;

    /// <summary>The current test's cancellation token.</summary>
    protected static CancellationToken Token => TestContext.Current.CancellationToken;

    /// <summary>Sets up before each test; the default does nothing.</summary>
    public virtual ValueTask InitializeAsync() => ValueTask.CompletedTask;

    /// <summary>Runs <see cref="CleanUpAsync"/> and deletes the source files.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await CleanUpAsync();
        }
        finally
        {
            _sourceDirectory.Delete(recursive: true);
        }
    }

    /// <summary>Writes <paramref name="content"/> to a source file named <paramref name="name"/> and returns its path.</summary>
    protected string WriteSource(string name, byte[] content)
    {
        var path = Path.Combine(SourceDirectory, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    /// <summary>Writes <paramref name="size"/> deterministic pseudo-random bytes to a source file and returns its path.</summary>
    protected string WriteRandomSource(string name, long size, int seed)
    {
        var path = Path.Combine(SourceDirectory, name);
        TestData.WriteRandomFile(path, size, seed);
        return path;
    }

    /// <summary>The <see cref="ObjectPut"/> the core would make for pushing <paramref name="sourcePath"/> to <paramref name="key"/>.</summary>
    protected static ObjectPut PutOf(string key, string sourcePath, IProgress<long>? activity = null) =>
        new(key, sourcePath, new FileInfo(sourcePath).Length, ContentTypes.For(key), activity);

    /// <summary>Asserts that the target holds exactly the content of <paramref name="sourcePath"/> under <paramref name="key"/>.</summary>
    protected async Task ShouldHoldAsync(string key, string sourcePath)
    {
        var raw = await ReadRawAsync(key, Token);
        raw.ShouldNotBeNull($"nothing is held under '{key}'");
        ((long)raw.Length).ShouldBe(new FileInfo(sourcePath).Length, $"size of '{key}'");
        TestData.Sha256(raw).ShouldBe(TestData.Sha256OfFile(sourcePath), $"content of '{key}'");
    }

    [Fact]
    public async Task Small_file_arrives_byte_identical()
    {
        var target = await CreateTargetAsync(VerifyMode.Full, Token);
        var source = WriteSource("360p.mp4", "a small rendition\n"u8.ToArray());

        var result = await target.PutAsync(PutOf("movie-42/360p/360p.mp4", source), Token);

        await ShouldHoldAsync("movie-42/360p/360p.mp4", source);
        result.Bytes.ShouldBe(new FileInfo(source).Length);
        result.Sha256.ShouldBe(TestData.Sha256OfFile(source));
    }

    [Fact]
    public async Task Empty_file_arrives_empty()
    {
        var target = await CreateTargetAsync(VerifyMode.Full, Token);
        var source = WriteSource("empty.vtt", []);

        var result = await target.PutAsync(PutOf("movie-42/subs/empty.vtt", source), Token);

        var raw = await ReadRawAsync("movie-42/subs/empty.vtt", Token);
        raw.ShouldNotBeNull("an empty file must be stored, not left out");
        raw.ShouldBeEmpty();
        result.Bytes.ShouldBe(0);
        result.Sha256.ShouldBe(TestData.EmptySha256);
        var held = await target.StatAsync("movie-42/subs/empty.vtt", withChecksum: true, Token);
        held.ShouldNotBeNull();
        held.Length.ShouldBe(0);
        held.Sha256.ShouldBe(TestData.EmptySha256);
    }

    [Fact]
    public async Task Large_file_arrives_byte_identical()
    {
        var target = await CreateTargetAsync(VerifyMode.Full, Token);
        var source = WriteRandomSource("1080p.mp4", LargeFileSize, seed: 1080);

        var result = await target.PutAsync(PutOf("movie-42/1080p/1080p.mp4", source), Token);

        await ShouldHoldAsync("movie-42/1080p/1080p.mp4", source);
        result.Bytes.ShouldBe(LargeFileSize);
        result.Sha256.ShouldBe(TestData.Sha256OfFile(source));
    }

    [Fact]
    public async Task Put_result_carries_the_sha256_and_length_of_the_source()
    {
        var target = await CreateTargetAsync(VerifyMode.Full, Token);
        var source = WriteRandomSource("seg_001.ts", 300_001, seed: 1);

        var result = await target.PutAsync(PutOf("movie-42/720p/seg_001.ts", source), Token);

        result.ShouldBe(new PutResult(300_001, TestData.Sha256OfFile(source)));
    }

    [Fact]
    public async Task Stat_of_an_absent_key_is_null()
    {
        var target = await CreateTargetAsync(VerifyMode.Full, Token);

        (await target.StatAsync("movie-42/720p/never-pushed.mp4", withChecksum: false, Token)).ShouldBeNull();
        (await target.StatAsync("movie-42/720p/never-pushed.mp4", withChecksum: true, Token)).ShouldBeNull();
    }

    [Fact]
    public async Task Stat_reports_the_size_and_on_request_the_sha256()
    {
        var target = await CreateTargetAsync(VerifyMode.Full, Token);
        var source = WriteRandomSource("720p.mp4", 123_457, seed: 720);
        await target.PutAsync(PutOf("movie-42/720p/720p.mp4", source), Token);

        var sized = await target.StatAsync("movie-42/720p/720p.mp4", withChecksum: false, Token);
        var summed = await target.StatAsync("movie-42/720p/720p.mp4", withChecksum: true, Token);

        sized.ShouldNotBeNull();
        sized.Length.ShouldBe(123_457);
        summed.ShouldNotBeNull();
        summed.Length.ShouldBe(123_457);
        summed.Sha256.ShouldBe(TestData.Sha256OfFile(source));
    }

    [Fact]
    public async Task Stat_of_a_prefix_that_holds_objects_is_null()
    {
        var target = await CreateTargetAsync(VerifyMode.Full, Token);
        var source = WriteSource("seg_001.ts", "segment"u8.ToArray());
        await target.PutAsync(PutOf("movie-42/hls-1080p/seg_001.ts", source), Token);

        (await target.StatAsync("movie-42/hls-1080p", withChecksum: false, Token)).ShouldBeNull("a prefix is not an object");
        (await target.StatAsync("movie-42/hls-1080p", withChecksum: true, Token)).ShouldBeNull("a prefix is not an object");
    }

    [Fact]
    public async Task Overwrite_replaces_the_content()
    {
        var target = await CreateTargetAsync(VerifyMode.Full, Token);
        var first = WriteRandomSource("v1.m3u8", 40_000, seed: 1);
        var second = WriteRandomSource("v2.m3u8", 25_000, seed: 2);
        await target.PutAsync(PutOf("movie-42/1080p/index.m3u8", first), Token);

        var result = await target.PutAsync(PutOf("movie-42/1080p/index.m3u8", second), Token);

        await ShouldHoldAsync("movie-42/1080p/index.m3u8", second);
        result.Sha256.ShouldBe(TestData.Sha256OfFile(second));
        var held = await target.StatAsync("movie-42/1080p/index.m3u8", withChecksum: true, Token);
        held.ShouldNotBeNull();
        held.Length.ShouldBe(25_000);
        held.Sha256.ShouldBe(TestData.Sha256OfFile(second));
    }

    [Theory]
    [InlineData("movie 42/720p/720p with spaces.mp4")]
    [InlineData("film-ü/720p/épisode 1 – Ärger.mp4")]
    [InlineData("映画/720p/セグメント_001.ts")]
    [InlineData("movie-42/720p/a+b&c=d,e;f@g$h.ts")]
    [InlineData("movie-42/720p/odd #1 (final) 100% ?.ts")]
    public async Task Keys_with_spaces_unicode_and_reserved_characters_arrive_under_that_key(string key)
    {
        var target = await CreateTargetAsync(VerifyMode.Full, Token);
        var source = WriteRandomSource("odd.bin", 10_000, seed: key.Length);

        await target.PutAsync(PutOf(key, source), Token);

        await ShouldHoldAsync(key, source);
        var held = await target.StatAsync(key, withChecksum: true, Token);
        held.ShouldNotBeNull();
        held.Sha256.ShouldBe(TestData.Sha256OfFile(source));
    }

    [Fact]
    public async Task Files_of_a_package_keep_their_layout()
    {
        var target = await CreateTargetAsync(VerifyMode.Full, Token);
        var playlist = WriteSource("index.m3u8", "#EXTM3U\nseg_001.ts\nsub/seg_002.ts\n"u8.ToArray());
        var first = WriteRandomSource("seg_001.ts", 5_000, seed: 1);
        var second = WriteRandomSource("seg_002.ts", 6_000, seed: 2);

        await target.PutAsync(PutOf("movie-42/hls/seg_001.ts", first), Token);
        await target.PutAsync(PutOf("movie-42/hls/sub/seg_002.ts", second), Token);
        await target.PutAsync(PutOf("movie-42/hls/index.m3u8", playlist), Token);

        await ShouldHoldAsync("movie-42/hls/seg_001.ts", first);
        await ShouldHoldAsync("movie-42/hls/sub/seg_002.ts", second);
        await ShouldHoldAsync("movie-42/hls/index.m3u8", playlist);
    }

    [Fact]
    public async Task Verify_size_delivers_the_file()
    {
        var target = await CreateTargetAsync(VerifyMode.Size, Token);
        var source = WriteRandomSource("480p.mp4", 77_777, seed: 480);

        var result = await target.PutAsync(PutOf("movie-42/480p/480p.mp4", source), Token);

        target.Verify.ShouldBe(VerifyMode.Size);
        await ShouldHoldAsync("movie-42/480p/480p.mp4", source);
        result.Bytes.ShouldBe(77_777);
        result.Sha256.ShouldBeOneOf([string.Empty, TestData.Sha256OfFile(source)], "a size-verifying target need not hash the source, but a digest it gives is the true one");
        var held = await target.StatAsync("movie-42/480p/480p.mp4", withChecksum: false, Token);
        held.ShouldNotBeNull();
        held.Length.ShouldBe(77_777);
    }

    [Fact]
    public async Task Targets_made_with_either_verify_mode_see_the_same_objects()
    {
        var full = await CreateTargetAsync(VerifyMode.Full, Token);
        var size = await CreateTargetAsync(VerifyMode.Size, Token);
        var source = WriteRandomSource("240p.mp4", 9_999, seed: 240);

        await full.PutAsync(PutOf("movie-42/240p/240p.mp4", source), Token);

        full.Verify.ShouldBe(VerifyMode.Full);
        var held = await size.StatAsync("movie-42/240p/240p.mp4", withChecksum: true, Token);
        held.ShouldNotBeNull();
        held.Length.ShouldBe(9_999);
        held.Sha256.ShouldBe(TestData.Sha256OfFile(source));
    }

    [Fact]
    public async Task Activity_is_reported_while_pushing()
    {
        var target = await CreateTargetAsync(VerifyMode.Full, Token);
        var source = WriteRandomSource("1080p.mp4", 3 * 1024 * 1024, seed: 3);
        var meter = new ActivityMeter();

        await target.PutAsync(PutOf("movie-42/1080p/1080p.mp4", source, meter), Token);

        meter.Bytes.ShouldBeGreaterThanOrEqualTo(3 * 1024 * 1024, "every byte streamed is reported");
        meter.Reports.ShouldBeGreaterThan(1, "a push reports as it goes, not once at the end");
    }

    [Fact]
    public async Task Probe_succeeds_on_a_working_target()
    {
        var target = await CreateTargetAsync(VerifyMode.Full, Token);

        await target.ProbeAsync(Token);
    }

    [Fact]
    public async Task While_a_large_put_runs_the_final_key_holds_nothing_or_the_whole_file()
    {
        if (NonAtomicServerReason is { } reason)
        {
            Assert.Skip(reason);
        }

        var target = await CreateTargetAsync(VerifyMode.Full, Token);
        var source = WriteRandomSource("1080p.mp4", LargeFileSize, seed: 11);
        var sha = TestData.Sha256OfFile(source);

        await PutWhileReadingAsync(target, "movie-42/1080p/1080p.mp4", source, raw =>
        {
            if (raw is not null)
            {
                raw.Length.ShouldBe(LargeFileSize, "the final key held a partial file while the put ran");
                TestData.Sha256(raw).ShouldBe(sha, "the final key held a partial file while the put ran");
            }
        }, raw => (raw?.Length).ShouldBeNull("the final key held bytes while the put was only half-way"));

        await ShouldHoldAsync("movie-42/1080p/1080p.mp4", source);
    }

    [Fact]
    public async Task While_an_overwrite_runs_the_final_key_holds_the_old_or_the_new_file_whole()
    {
        if (NonAtomicServerReason is { } reason)
        {
            Assert.Skip(reason);
        }

        var target = await CreateTargetAsync(VerifyMode.Full, Token);
        var old = WriteRandomSource("old.mp4", 64 * 1024, seed: 12);
        var oldSha = TestData.Sha256OfFile(old);
        var source = WriteRandomSource("new.mp4", LargeFileSize, seed: 13);
        var newSha = TestData.Sha256OfFile(source);
        await target.PutAsync(PutOf("movie-42/1080p/1080p.mp4", old), Token);

        await PutWhileReadingAsync(target, "movie-42/1080p/1080p.mp4", source, raw =>
        {
            raw.ShouldNotBeNull("the old file vanished while the new one was pushed");
            TestData.Sha256(raw).ShouldBeOneOf([oldSha, newSha], "the final key held a mix or a partial file while the put ran");
        }, raw =>
        {
            raw.ShouldNotBeNull("the old file vanished while the new one was pushed");
            TestData.Sha256(raw).ShouldBe(oldSha, "half-way through the put, the final key must still hold the old file whole");
        });

        await ShouldHoldAsync("movie-42/1080p/1080p.mp4", source);
    }

    [Fact]
    public async Task A_put_cancelled_midway_leaves_nothing_under_the_final_key()
    {
        var target = await CreateTargetAsync(VerifyMode.Full, Token);
        var source = WriteRandomSource("1080p.mp4", LargeFileSize, seed: 14);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var meter = new ActivityMeter(LargeFileSize / 2, cancel.Cancel);

        var thrown = await CaughtAsync(() => target.PutAsync(PutOf("movie-42/1080p/1080p.mp4", source, meter), cancel.Token));

        meter.Fired.ShouldBeTrue("the put never got half-way");
        thrown.ShouldBeAssignableTo<OperationCanceledException>($"a cancelled put throws OperationCanceledException, not {thrown?.GetType().Name}: {thrown?.Message}");
        ((await ReadRawAsync("movie-42/1080p/1080p.mp4", Token))?.Length).ShouldBeNull("a cancelled put left bytes under the final key");
        (await target.StatAsync("movie-42/1080p/1080p.mp4", withChecksum: false, Token)).ShouldBeNull();

        await target.PutAsync(PutOf("movie-42/1080p/1080p.mp4", source), Token);
        await ShouldHoldAsync("movie-42/1080p/1080p.mp4", source);
    }

    [Fact]
    public async Task Delete_of_a_pushed_file_leaves_it_proven_absent()
    {
        var target = await CreateTargetAsync(VerifyMode.Full, Token);
        var source = WriteRandomSource("720p.mp4", 70_000, seed: 72);
        await target.PutAsync(PutOf("movie-42/720p/720p.mp4", source), Token);
        (await target.ProveAbsentAsync("movie-42/720p/720p.mp4", Token)).ShouldBeFalse("a pushed file is not absent");

        await target.DeleteAsync("movie-42/720p/720p.mp4", Token);

        (await ReadRawAsync("movie-42/720p/720p.mp4", Token)).ShouldBeNull("the deleted file is still held");
        (await target.StatAsync("movie-42/720p/720p.mp4", withChecksum: false, Token)).ShouldBeNull();
        (await target.StatAsync("movie-42/720p/720p.mp4", withChecksum: true, Token)).ShouldBeNull();
        (await target.ProveAbsentAsync("movie-42/720p/720p.mp4", Token)).ShouldBeTrue();
    }

    [Fact]
    public async Task Delete_of_a_missing_key_is_success()
    {
        var target = await CreateTargetAsync(VerifyMode.Full, Token);

        await target.DeleteAsync("movie-42/720p/never-pushed.mp4", Token);
        await target.DeleteAsync("never-pushed-video/720p/index.m3u8", Token);

        (await target.ProveAbsentAsync("movie-42/720p/never-pushed.mp4", Token)).ShouldBeTrue();
        (await target.ProveAbsentAsync("never-pushed-video/720p/index.m3u8", Token)).ShouldBeTrue();
    }

    [Fact]
    public async Task Delete_twice_is_success_and_the_key_can_be_pushed_again()
    {
        var target = await CreateTargetAsync(VerifyMode.Full, Token);
        var source = WriteRandomSource("seg_001.ts", 5_000, seed: 5);
        await target.PutAsync(PutOf("movie-42/hls/seg_001.ts", source), Token);

        await target.DeleteAsync("movie-42/hls/seg_001.ts", Token);
        await target.DeleteAsync("movie-42/hls/seg_001.ts", Token);
        await target.PutAsync(PutOf("movie-42/hls/seg_001.ts", source), Token);

        await ShouldHoldAsync("movie-42/hls/seg_001.ts", source);
    }

    [Fact]
    public async Task Delete_of_a_rendition_in_removal_order_removes_every_file_and_touches_no_other()
    {
        var target = await CreateTargetAsync(VerifyMode.Full, Token);
        string[] keys = ["movie-42/master.m3u8", "movie-42/hls/index.m3u8", "movie-42/hls/seg_000.ts", "movie-42/hls/sub/seg_001.ts"];
        for (var i = 0; i < keys.Length; i++)
        {
            await target.PutAsync(PutOf(keys[i], WriteRandomSource($"file{i}", 3_000 + i, seed: i)), Token);
        }

        var neighbour = WriteRandomSource("other.ts", 4_000, seed: 99);
        await target.PutAsync(PutOf("movie-420/hls/seg_000.ts", neighbour), Token);

        var order = RemovalOrder.Sort(keys);
        foreach (var key in order)
        {
            await target.DeleteAsync(key, Token);
            (await target.ProveAbsentAsync(key, Token)).ShouldBeTrue($"'{key}' is not proven absent right after its delete");
        }

        order.Take(2).ShouldBe(["movie-42/master.m3u8", "movie-42/hls/index.m3u8"], "playlists are deleted first");
        foreach (var key in keys)
        {
            (await ReadRawAsync(key, Token)).ShouldBeNull($"'{key}' is still held");
        }

        await ShouldHoldAsync("movie-420/hls/seg_000.ts", neighbour);
    }

    [Fact]
    public async Task Absence_of_a_prefix_that_holds_objects_is_not_claimed_for_its_objects()
    {
        var target = await CreateTargetAsync(VerifyMode.Full, Token);
        var source = WriteSource("seg_001.ts", "segment"u8.ToArray());
        await target.PutAsync(PutOf("movie-42/hls-1080p/seg_001.ts", source), Token);

        (await target.ProveAbsentAsync("movie-42/hls-1080p/seg_001.ts", Token)).ShouldBeFalse();
        (await target.ProveAbsentAsync("movie-42/hls-1080p/seg_002.ts", Token)).ShouldBeTrue();
    }

    [Fact]
    public async Task Listing_a_prefix_names_every_object_under_it_and_nothing_else()
    {
        var target = await CreateTargetAsync(VerifyMode.Full, Token);
        if (target is not ITargetListing listing)
        {
            Assert.Skip($"the {target.Kind} kind does not list what it holds (WebDAV PROPFIND needs nginx's dav-ext module)");
            return;
        }

        string[] keys = ["movie-42/master.m3u8", "movie-42/hls/index.m3u8", "movie-42/hls/sub/seg 001.ts"];
        for (var i = 0; i < keys.Length; i++)
        {
            await target.PutAsync(PutOf(keys[i], WriteRandomSource($"file{i}", 1_000 + i, seed: i)), Token);
        }

        await target.PutAsync(PutOf("movie-420/hls/seg_000.ts", WriteRandomSource("other", 500, seed: 9)), Token);

        (await ListAsync(listing, "movie-42")).ShouldBe(keys, ignoreOrder: true);
        (await ListAsync(listing, "movie-42/hls")).ShouldBe(["movie-42/hls/index.m3u8", "movie-42/hls/sub/seg 001.ts"], ignoreOrder: true);
        (await ListAsync(listing, "movie-4")).ShouldBeEmpty("a prefix matches whole segments only");
        (await ListAsync(listing, "never-pushed")).ShouldBeEmpty();

        foreach (var key in keys)
        {
            await target.DeleteAsync(key, Token);
        }

        (await ListAsync(listing, "movie-42")).ShouldBeEmpty("every deleted key is gone from the listing");
    }

    private static async Task<List<string>> ListAsync(ITargetListing listing, string prefix)
    {
        var keys = new List<string>();
        await foreach (var key in listing.ListAsync(prefix, Token))
        {
            keys.Add(key);
        }

        return keys;
    }

    /// <summary>Awaits <paramref name="action"/> and returns what it threw, or null.</summary>
    protected static async Task<Exception?> CaughtAsync(Func<Task> action)
    {
        try
        {
            await action();
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    /// <summary>
    /// Pushes <paramref name="source"/> to <paramref name="key"/>, pausing the push when half of it has been read, and
    /// checks what the target holds under the key while paused (<paramref name="checkMidway"/>, three reads) and
    /// as the push goes on (<paramref name="checkWhileRunning"/>, a bounded number of reads until the push ends).
    /// </summary>
    protected async Task PutWhileReadingAsync(ITarget target, string key, string source, Action<byte[]?> checkWhileRunning, Action<byte[]?> checkMidway)
    {
        var size = new FileInfo(source).Length;
        using var midway = new SemaphoreSlim(0);
        using var resume = new SemaphoreSlim(0);
        var meter = new ActivityMeter(size / 2, () =>
        {
            midway.Release();
            resume.Wait(WaitLimit);
        });

        var put = Task.Run(() => target.PutAsync(PutOf(key, source, meter), Token), Token);
        try
        {
            var reached = await Task.WhenAny(midway.WaitAsync(WaitLimit, Token), put);
            if (reached == put)
            {
                await put;
                Assert.Fail("the put ended without reporting half of its bytes as activity");
            }

            (await (Task<bool>)reached).ShouldBeTrue($"the put did not get half-way within {WaitLimit}");
            for (var i = 0; i < 3; i++)
            {
                checkMidway(await ReadRawAsync(key, Token));
            }
        }
        finally
        {
            resume.Release();
        }

        var clock = Stopwatch.StartNew();
        for (var reads = 0; !put.IsCompleted && reads < MaxReadsWhilePutRuns && clock.Elapsed < WaitLimit; reads++)
        {
            checkWhileRunning(await ReadRawAsync(key, Token));
        }

        var result = await put;
        result.Bytes.ShouldBe(size);
    }
}
