using System.Diagnostics;
using Courier.Core.Domain;
using Courier.Core.Sources;
using Courier.Core.Targets;
using Courier.Target.Compliance;
using Courier.Targets.FileSystem;

namespace Courier.Targets.Tests.FileSystem;

/// <summary>What only the <c>filesystem</c> kind does: its Root checks, temp files, and its errors.</summary>
public sealed class FileSystemTargetTests : IDisposable
{
    private const string RootKey = "Courier:Targets:archive:Root";
    private readonly DirectoryInfo _place = Directory.CreateTempSubdirectory("courier-fs-target-");

    public FileSystemTargetTests()
    {
        Directory.CreateDirectory(Media);
    }

    /// <summary>The source root.</summary>
    private string Media => Path.Combine(_place.FullName, "media");

    public void Dispose() => _place.Delete(recursive: true);

    // ---- configuration ----

    [Fact]
    public void Missing_Root_is_refused_naming_its_key()
    {
        var e = Should.Throw<BadInputException>(() => Make(new() { ["Kind"] = "filesystem" }));

        e.Field.ShouldBe(RootKey);
        e.Message.ShouldContain($"{RootKey} is required");
    }

    [Theory]
    [InlineData("media")]
    [InlineData("media/")]
    [InlineData("media/../media")]
    [InlineData("media/out/archive")]
    [InlineData(".")]
    [InlineData("/")]
    public void Root_that_is_inside_or_contains_the_source_root_is_refused_naming_its_key(string root)
    {
        var e = Should.Throw<BadInputException>(() => Make(new() { ["Kind"] = "filesystem", ["Root"] = root }));

        e.Field.ShouldBe(RootKey);
        e.Message.ShouldContain("source root");
        Directory.Exists(Path.Combine(Media, "out")).ShouldBeFalse("nothing is created for a refused root");
    }

    [Fact]
    public void Root_that_is_a_symbolic_link_into_the_source_is_refused()
    {
        Directory.CreateDirectory(Path.Combine(Media, "renditions"));
        Directory.CreateSymbolicLink(Path.Combine(_place.FullName, "archive-link"), Path.Combine(Media, "renditions"));

        var e = Should.Throw<BadInputException>(() => Make(new() { ["Kind"] = "filesystem", ["Root"] = "archive-link/out" }));

        e.Field.ShouldBe(RootKey);
        e.Message.ShouldContain("source root");
    }

    [Fact]
    public void A_missing_Root_is_created_relative_to_the_configuration_directory()
    {
        var target = (FileSystemTarget)Make(new() { ["Kind"] = "filesystem", ["Root"] = "targets/archive", ["Region"] = "local", ["Verify"] = "size" });

        target.Root.ShouldBe(Path.Combine(_place.FullName, "targets", "archive"));
        Directory.Exists(target.Root).ShouldBeTrue();
        target.Kind.ShouldBe("filesystem");
        target.Region.ShouldBe("local");
        target.Verify.ShouldBe(VerifyMode.Size);
    }

    [Fact]
    public void Root_that_cannot_be_created_is_refused_naming_its_key()
    {
        File.WriteAllText(Path.Combine(_place.FullName, "a-file"), "not a directory");

        var e = Should.Throw<BadInputException>(() => Make(new() { ["Kind"] = "filesystem", ["Root"] = "a-file/archive" }));

        e.Field.ShouldBe(RootKey);
        e.Message.ShouldContain("cannot be created");
    }

    [Fact]
    public void Every_bad_target_is_reported_at_once_with_its_key()
    {
        var e = Should.Throw<BadInputException>(() => TestTargets.Registry(new Dictionary<string, string?>
        {
            ["archive:Kind"] = "filesystem",
            ["nas:Kind"] = "filesystem",
            ["nas:Root"] = "media/nas",
            ["cdn-north:Kind"] = "http",
        }, Media, _place.FullName));

        e.Message.ShouldContain(RootKey);
        e.Message.ShouldContain("Courier:Targets:nas:Root");
        e.Message.ShouldContain("Courier:Targets:cdn-north:BaseUrl");
    }

    [Fact]
    public void AddCourierTargets_registers_the_filesystem_and_http_kinds()
    {
        TestTargets.Factories.Select(f => f.Kind).Order(StringComparer.Ordinal).ShouldBe(["filesystem", "http"]);
    }

    // ---- pushing ----

    [Theory]
    [InlineData("../outside.mp4")]
    [InlineData("movie-42/../../outside.mp4")]
    [InlineData("/outside.mp4")]
    [InlineData("movie-42//720p.mp4")]
    [InlineData("movie-42/./720p.mp4")]
    [InlineData("movie-42/720p/")]
    public async Task A_key_that_could_leave_the_root_is_refused_permanently(string key)
    {
        var target = Make(Archive());

        var e = await Should.ThrowAsync<TargetException>(() => target.PutAsync(PutOf(key, WriteRandom("src.mp4", 1_000)), Ct));

        e.IsTransient.ShouldBeFalse();
        e.Kind.ShouldBe("bad_key");
        File.Exists(Path.Combine(_place.FullName, "targets", "outside.mp4")).ShouldBeFalse();
        File.Exists(Path.Combine(_place.FullName, "outside.mp4")).ShouldBeFalse();
    }

    [Fact]
    public async Task While_a_big_put_runs_its_bytes_are_only_in_a_hidden_temp_file_beside_the_final_name()
    {
        var target = (FileSystemTarget)Make(Archive());
        const int size = 32 * 1024 * 1024;
        var source = WriteRandom("1080p.mp4", size);
        var directory = Path.Combine(target.Root, "movie-42", "1080p");
        using var midway = new SemaphoreSlim(0);
        using var resume = new SemaphoreSlim(0);
        var meter = new ActivityMeter(size / 2, () =>
        {
            midway.Release();
            resume.Wait(TimeSpan.FromSeconds(60));
        });

        var put = Task.Run(() => target.PutAsync(PutOf("movie-42/1080p/1080p.mp4", source, meter), Ct), Ct);
        string[] during;
        try
        {
            (await midway.WaitAsync(TimeSpan.FromSeconds(60), Ct)).ShouldBeTrue("the put never got half-way");
            during = Directory.GetFiles(directory).Select(Path.GetFileName).ToArray()!;
        }
        finally
        {
            resume.Release();
        }

        await put;

        during.Length.ShouldBe(1, string.Join(", ", during));
        during[0].ShouldStartWith(".1080p.mp4.courier-tmp-");
        Directory.GetFiles(directory).Select(Path.GetFileName).ShouldBe(["1080p.mp4"]);
        new FileInfo(Path.Combine(directory, "1080p.mp4")).Length.ShouldBe(size);
    }

    [Fact]
    public async Task A_byte_that_changes_at_the_target_before_it_is_read_back_fails_the_put_as_a_transient_checksum_failure()
    {
        var target = (FileSystemTarget)Make(Archive());
        var source = WriteRandom("1080p.mp4", 3_000_000);
        var final = Path.Combine(target.Root, "movie-42", "1080p", "1080p.mp4");

        // The read-back reports its first chunk (0 bytes: reading is not sending; at most 1 MiB) before it reaches offset 2,900,000: the
        // disk "rots" one byte there after the write was fsynced and renamed, and the read-back must catch it.
        var rot = new OnFirstReadBack(() =>
        {
            using var file = new FileStream(final, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
            file.Position = 2_900_000;
            var b = (byte)file.ReadByte();
            file.Position = 2_900_000;
            file.WriteByte((byte)(b ^ 0x01));
        });

        var e = await Should.ThrowAsync<TargetException>(() => target.PutAsync(PutOf("movie-42/1080p/1080p.mp4", source, rot), Ct));

        rot.Fired.ShouldBeTrue("the byte was changed during the read-back");
        e.Kind.ShouldBe(ErrorKinds.Checksum);
        e.IsTransient.ShouldBeTrue();
        e.Message.ShouldContain("reads back with other bytes than were written");
        e.Message.ShouldContain("XxHash128");
    }

    [Fact]
    public async Task A_verified_put_returns_the_sha256_of_the_source_and_a_size_only_put_returns_none()
    {
        var full = Make(Archive());
        var size = Make(new() { ["Kind"] = "filesystem", ["Root"] = "targets/sized", ["Verify"] = "size" });
        var source = WriteRandom("1080p.mp4", 3_000_001);

        var verified = await full.PutAsync(PutOf("movie-42/1080p/1080p.mp4", source), Ct);
        var sized = await size.PutAsync(PutOf("movie-42/1080p/1080p.mp4", source), Ct);

        var sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(source)));
        verified.ShouldBe(new PutResult(3_000_001, sha256), "the read-back's SHA-256, proven equal to what was written, is the source's");
        sized.ShouldBe(new PutResult(3_000_001, string.Empty), "size-only verification hashes nothing");
    }

    [Fact]
    public async Task A_push_sweeps_the_temp_files_a_killed_push_of_the_same_file_left_and_only_those()
    {
        var target = (FileSystemTarget)Make(Archive());
        var source = WriteRandom("1080p.mp4", 64 * 1024);
        var directory = Directory.CreateDirectory(Path.Combine(target.Root, "movie-42", "1080p")).FullName;
        var leftover = Path.Combine(directory, ".seg_001.ts.courier-tmp-0123456789abcdef0123456789abcdef");
        var otherFiles = Path.Combine(directory, ".seg_002.ts.courier-tmp-0123456789abcdef0123456789abcdef");
        File.WriteAllText(leftover, "half a segment");
        File.WriteAllText(otherFiles, "half of another segment");

        await target.PutAsync(PutOf("movie-42/1080p/seg_001.ts", source), Ct);

        File.Exists(leftover).ShouldBeFalse();
        File.Exists(otherFiles).ShouldBeTrue("a temp of another file may belong to a push under way");
        new FileInfo(Path.Combine(directory, "seg_001.ts")).Length.ShouldBe(64 * 1024);
    }

    [Fact]
    public async Task Two_pushes_of_one_name_at_once_both_succeed_and_neither_sweeps_the_others_temp_file()
    {
        // A playlist published after a delivery and by the recovery pass at the same moment, in one process.
        var target = (FileSystemTarget)Make(Archive());
        var slow = WriteRandom("slow.m3u8", 256 * 1024);
        var fast = WriteRandom("fast.m3u8", 1_000);
        using var midway = new SemaphoreSlim(0);
        using var resume = new SemaphoreSlim(0);
        var meter = new ActivityMeter(128 * 1024, () =>
        {
            midway.Release();
            resume.Wait(TimeSpan.FromSeconds(60));
        });

        var first = Task.Run(() => target.PutAsync(PutOf("movie-42/master.m3u8", slow, meter), Ct), Ct);
        PutResult second;
        try
        {
            (await midway.WaitAsync(TimeSpan.FromSeconds(60), Ct)).ShouldBeTrue("the first put never got half-way");
            second = await target.PutAsync(PutOf("movie-42/master.m3u8", fast), Ct);
        }
        finally
        {
            resume.Release();
        }

        (await first).Bytes.ShouldBe(256 * 1024, "the first push's temp file was still there to be renamed");
        second.Bytes.ShouldBe(1_000);
        var directory = Path.Combine(target.Root, "movie-42");
        Directory.GetFiles(directory).Select(Path.GetFileName).ShouldBe(["master.m3u8"]);
        File.ReadAllBytes(Path.Combine(directory, "master.m3u8")).ShouldBe(File.ReadAllBytes(slow), "the push that finished last is what stays");
    }

    [Fact]
    public async Task No_temp_file_is_left_after_a_cancelled_put_or_a_missing_source()
    {
        var target = (FileSystemTarget)Make(Archive());
        var source = WriteRandom("1080p.mp4", 8 * 1024 * 1024);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var meter = new ActivityMeter(4 * 1024 * 1024, cancel.Cancel);
        await target.PutAsync(PutOf("movie-42/1080p/seg_001.ts", source), Ct);

        await Should.ThrowAsync<OperationCanceledException>(() => target.PutAsync(PutOf("movie-42/1080p/seg_002.ts", source, meter), cancel.Token));
        var gone = new ObjectPut("movie-42/1080p/seg_003.ts", Path.Combine(Media, "gone.ts"), 1_000, "video/mp2t");
        await Should.ThrowAsync<SourceMissingException>(() => target.PutAsync(gone, Ct));

        Directory.GetFiles(target.Root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(target.Root, f))
            .ShouldBe([Path.Combine("movie-42", "1080p", "seg_001.ts")]);
    }

    [Fact]
    public async Task A_full_disk_is_a_transient_disk_full_failure_that_leaves_nothing()
    {
        var small = Directory.CreateDirectory(Path.Combine(_place.FullName, "small")).FullName;
        Run("mount", "-t", "tmpfs", "-o", "size=1m", "courier-test", small);
        try
        {
            var target = Make(new() { ["Kind"] = "filesystem", ["Root"] = "small" });

            var e = await Should.ThrowAsync<TargetException>(() => target.PutAsync(PutOf("movie-42/1080p/1080p.mp4", WriteRandom("1080p.mp4", 3 * 1024 * 1024)), Ct));

            e.Kind.ShouldBe(ErrorKinds.DiskFull);
            e.IsTransient.ShouldBeTrue();
            Directory.GetFiles(small, "*", SearchOption.AllDirectories).ShouldBeEmpty();
        }
        finally
        {
            Run("umount", "-l", small);
        }
    }

    [Fact]
    public void No_space_from_the_operating_system_is_classified_disk_full()
    {
        var e = Should.Throw<IOException>(() =>
        {
            using var full = new FileStream("/dev/full", FileMode.Open, FileAccess.Write);
            full.Write(new byte[4096]);
            full.Flush();
        });

        var failure = FileSystemErrors.From("archive", "writing", e);

        failure.Kind.ShouldBe(ErrorKinds.DiskFull);
        failure.IsTransient.ShouldBeTrue();
        failure.Target.ShouldBe("archive");
    }

    [Fact]
    public void Permission_denied_from_the_operating_system_is_a_permanent_auth_failure()
    {
        // Opening a directory for writing is refused by the operating system as an access error, even for root.
        var e = Should.Throw<UnauthorizedAccessException>(() => new FileStream(_place.FullName, FileMode.Open, FileAccess.Write).Dispose());

        var failure = FileSystemErrors.From("archive", "writing", e);

        failure.Kind.ShouldBe(ErrorKinds.Auth);
        failure.IsTransient.ShouldBeFalse();
    }

    [Fact]
    public async Task A_key_under_an_existing_file_is_a_transient_io_failure_and_stat_finds_nothing_there()
    {
        var target = Make(Archive());
        await target.PutAsync(PutOf("movie-42/720p.mp4", WriteRandom("720p.mp4", 1_000)), Ct);

        var e = await Should.ThrowAsync<TargetException>(() => target.PutAsync(PutOf("movie-42/720p.mp4/seg_001.ts", WriteRandom("seg.ts", 1_000)), Ct));

        e.Kind.ShouldBe(ErrorKinds.Io);
        e.IsTransient.ShouldBeTrue();
        (await target.StatAsync("movie-42/720p.mp4/seg_001.ts", withChecksum: true, Ct)).ShouldBeNull();
    }

    [Fact]
    public async Task Probe_fails_transiently_while_the_root_is_gone_and_leaves_nothing_behind()
    {
        var target = (FileSystemTarget)Make(Archive());
        await target.ProbeAsync(Ct);
        Directory.GetFileSystemEntries(target.Root).ShouldBeEmpty("the probe cleans up after itself");

        Directory.Delete(target.Root);
        var e = await Should.ThrowAsync<TargetException>(() => target.ProbeAsync(Ct));

        e.IsTransient.ShouldBeTrue();
        e.Kind.ShouldBe(ErrorKinds.Io);
        Directory.CreateDirectory(target.Root);
        await target.ProbeAsync(Ct);
    }

    // ---- helpers ----

    private static Dictionary<string, string?> Archive() => new() { ["Kind"] = "filesystem", ["Root"] = "targets/archive" };

    private ITarget Make(Dictionary<string, string?> settings) => TestTargets.Create("archive", settings, Media, _place.FullName);

    private string WriteRandom(string name, int size)
    {
        var path = Path.Combine(Media, $"{Guid.NewGuid():N}-{name}");
        TestData.WriteRandomFile(path, size, seed: size);
        return path;
    }

    private static ObjectPut PutOf(string key, string sourcePath, IProgress<long>? activity = null) =>
        new(key, sourcePath, new FileInfo(sourcePath).Length, ContentTypes.For(key), activity);

    private static void Run(string command, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(command, arguments) { RedirectStandardError = true })
            ?? throw new InvalidOperationException($"{command} did not start");
        if (!process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            process.Kill();
            Assert.Fail($"{command} {string.Join(' ', arguments)} did not finish within 30 s");
        }

        process.ExitCode.ShouldBe(0, $"{command} {string.Join(' ', arguments)} failed (this test needs root to mount a small tmpfs): {process.StandardError.ReadToEnd()}");
    }

    /// <summary>Runs an action once, on the reporting thread, at the first report of 0 bytes: the first chunk of a read-back.</summary>
    private sealed class OnFirstReadBack(Action action) : IProgress<long>
    {
        private int _fired;

        public bool Fired => Volatile.Read(ref _fired) == 1;

        public void Report(long value)
        {
            if (value == 0 && Interlocked.Exchange(ref _fired, 1) == 0)
            {
                action();
            }
        }
    }
}
