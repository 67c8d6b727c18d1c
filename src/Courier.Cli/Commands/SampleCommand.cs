using System.CommandLine;
using Courier.Cli.Output;
using Courier.Cli.Samples;
using Courier.Core.Domain;
using Courier.Server.Hosting;

namespace Courier.Cli.Commands;

/// <summary><c>courier sample</c>: a small sample video under the source root, for the quick start.</summary>
internal static class SampleCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var dir = new Option<string?>("--dir")
        {
            Description = "The source root to write into. Default: Courier:SourceRoot of the configuration, else ./media.",
            HelpName = "DIR",
        };
        var video = new Option<string>("--video")
        {
            Description = "The sample video's id (its directory under the source root).",
            HelpName = "ID",
            DefaultValueFactory = _ => "movie-42",
        };
        var synthetic = new Option<bool>("--synthetic") { Description = "Write deterministic synthetic bytes even when ffmpeg is on PATH." };
        var command = new Command("sample", "Write a small sample video under the source root: ID/360p.mp4 (a single-file rendition) and ID/hls-1080p/ (an HLS package: index.m3u8 and segments). Uses ffmpeg when it is on PATH, else synthetic bytes.")
        {
            dir,
            video,
            synthetic,
        };
        common.SetAction(command, (result, config, verbose, cancellationToken) => RunAsync(config, result.GetValue(dir), result.GetRequiredValue(video), result.GetValue(synthetic), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string? config, string? dir, string videoId, bool synthetic, CancellationToken cancellationToken)
    {
        if (Names.Problem(videoId, "--video") is { } problem)
        {
            throw new BadInputException("--video", problem);
        }

        var root = dir is not null ? Path.GetFullPath(dir) : SourceRootOf(config);
        var directory = Path.Combine(root, videoId);
        var terminal = Terminal.Create();
        if (Directory.Exists(directory) || File.Exists(directory))
        {
            terminal.Line($"{directory} already exists; left as it is.");
        }
        else
        {
            var how = await SampleVideo.WriteAsync(directory, synthetic, cancellationToken).ConfigureAwait(false);
            terminal.Line($"wrote sample video {videoId} under {root}: {how}");
            foreach (var file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                terminal.Line($"  {Path.GetRelativePath(root, file).Replace('\\', '/')}  {Format.Bytes(new FileInfo(file).Length)}");
            }
        }

        terminal.Line($"next: courier distribute --video {videoId} --rendition 360p={videoId}/360p.mp4 --rendition 1080p={videoId}/hls-1080p/");
        return ExitCodes.Ok;
    }

    /// <summary>The configured source root (made absolute against the configuration file), or ./media without one.</summary>
    private static string SourceRootOf(string? config)
    {
        var configuration = CourierConfiguration.Load(config);
        if (configuration.File is null)
        {
            return Path.GetFullPath(StarterConfig.SourceRoot);
        }

        var configured = configuration.Courier["SourceRoot"];
        return Path.GetFullPath(string.IsNullOrWhiteSpace(configured) ? "." : configured, configuration.BaseDirectory);
    }
}
