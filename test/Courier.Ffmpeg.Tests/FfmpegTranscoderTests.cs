using System.Text.Json;
using Courier.Core.Domain;
using Courier.Core.Ingest;

namespace Courier.Ffmpeg.Tests;

public sealed class FfmpegTranscoderTests
{
    private static readonly FfmpegTranscoder Transcoder = new(new FfmpegOptions { Preset = "ultrafast" });

    [Fact]
    public async Task Probe_reads_the_size_duration_and_audio_of_a_real_clip()
    {
        using var dir = new TempDirectory();
        var clip = await Clips.GenerateAsync(dir.Combine("clip.mp4"), 1280, 720, 2);

        var probe = await Transcoder.ProbeAsync(clip, TestContext.Current.CancellationToken);

        probe.Width.ShouldBe(1280);
        probe.Height.ShouldBe(720);
        probe.HasAudio.ShouldBeTrue();
        probe.Duration!.Value.TotalSeconds.ShouldBe(2, tolerance: 0.2);
    }

    [Fact]
    public async Task A_text_file_named_mp4_is_bad_input_that_says_it_is_not_a_video()
    {
        using var dir = new TempDirectory();
        var text = dir.Write("notes.mp4", "these are meeting notes, not a video\n");

        var e = await Should.ThrowAsync<BadInputException>(() => Transcoder.ProbeAsync(text, TestContext.Current.CancellationToken));

        e.Message.ShouldStartWith("'notes.mp4' is not a video");
        e.Message.ShouldNotContain(dir.Path);
        e.Message.ShouldNotContain("\n");
    }

    [Fact]
    public async Task A_truncated_video_is_bad_input()
    {
        using var dir = new TempDirectory();
        var clip = await Clips.GenerateAsync(dir.Combine("clip.mp4"), 640, 360, 2);
        var cut = Clips.Truncate(clip, dir.Combine("cut.mp4"));

        var e = await Should.ThrowAsync<BadInputException>(() => Transcoder.ProbeAsync(cut, TestContext.Current.CancellationToken));

        e.Message.ShouldStartWith("'cut.mp4' is not a video Courier can read");
    }

    [Fact]
    public async Task Audio_only_file_has_no_video_stream()
    {
        using var dir = new TempDirectory();
        var audio = dir.Combine("tone.m4a");
        await Clips.RunAsync("ffmpeg", ["-nostdin", "-v", "error", "-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac", audio]);

        var e = await Should.ThrowAsync<BadInputException>(() => Transcoder.ProbeAsync(audio, TestContext.Current.CancellationToken));

        e.Message.ShouldBe("'tone.m4a' has no video stream");
    }

    [Fact]
    public async Task Transcode_writes_an_hls_package_of_the_rung_with_progress_read_from_ffmpeg()
    {
        using var dir = new TempDirectory();
        var clip = await Clips.GenerateAsync(dir.Combine("clip.mp4"), 1280, 720, 9);
        var probe = await Transcoder.ProbeAsync(clip, TestContext.Current.CancellationToken);
        var rung = Ladder.Known.Single(r => r.Name == "360p");
        var reports = new List<double>();
        var progress = new SynchronousProgress(reports);

        var result = await Transcoder.TranscodeAsync(probe, new RenditionPlan(rung, TimeSpan.FromSeconds(4)), dir.Combine("out", "360p"), progress, TestContext.Current.CancellationToken);

        result.Width.ShouldBe(640);
        result.Height.ShouldBe(360);
        result.Codecs.ShouldBe("avc1.64001e,mp4a.40.2");
        var playlist = File.ReadAllLines(dir.Combine("out", "360p", "index.m3u8"));
        playlist.ShouldContain("#EXT-X-ENDLIST");
        playlist.Where(l => l.StartsWith("#EXTINF:", StringComparison.Ordinal)).Count().ShouldBe(3, "9 s in 4 s segments");
        playlist.Where(l => !l.StartsWith('#') && l.Length > 0).ShouldAllBe(l => File.Exists(dir.Combine("out", "360p", l)));
        reports.ShouldNotBeEmpty();
        reports[^1].ShouldBe(1.0);
        reports.ShouldBe(reports.Order().ToList(), "progress never goes back");
        var streams = JsonDocument.Parse(await Clips.RunAsync("ffprobe", ["-v", "error", "-show_streams", "-of", "json", dir.Combine("out", "360p", "index.m3u8")])).RootElement.GetProperty("streams");
        streams.EnumerateArray().Select(s => s.GetProperty("codec_name").GetString()).Order().ShouldBe(["aac", "h264"]);
    }

    [Fact]
    public async Task A_missing_ffmpeg_names_the_debian_package_to_install()
    {
        using var dir = new TempDirectory();
        var transcoder = new FfmpegTranscoder(new FfmpegOptions { Path = dir.Combine("no-ffmpeg"), ProbePath = dir.Combine("no-ffprobe") });

        var e = await Should.ThrowAsync<TranscoderUnavailableException>(() => transcoder.ProbeAsync(dir.Combine("clip.mp4"), TestContext.Current.CancellationToken));

        e.Message.ShouldContain("the Debian package ffmpeg (apt-get install ffmpeg)");
        e.Message.ShouldContain("no-ffprobe");
    }

    [Fact]
    public void Progress_is_out_time_over_duration_and_one_at_the_end()
    {
        var progress = new FfmpegProgress(TimeSpan.FromSeconds(8));

        progress.Read("frame=50").ShouldBeNull();
        progress.Read("out_time_us=2000000").ShouldBeNull();
        progress.Read("progress=continue").ShouldBe(0.25);
        progress.Read("out_time_us=N/A").ShouldBeNull();
        progress.Read("out_time_us=6000000").ShouldBeNull();
        progress.Read("progress=continue").ShouldBe(0.75);
        progress.Read("progress=end").ShouldBe(1.0);
        progress.Ended.ShouldBeTrue();
    }

    /// <summary>Records reports as they come (Progress&lt;T&gt; would post them to the thread pool, out of order).</summary>
    private sealed class SynchronousProgress(List<double> reports) : IProgress<double>
    {
        public void Report(double value)
        {
            lock (reports)
            {
                reports.Add(value);
            }
        }
    }
}
