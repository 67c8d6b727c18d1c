using System.Text.RegularExpressions;
using Courier.Core.Configuration;
using Courier.Core.Domain;
using Courier.Core.Sources;
using Microsoft.Extensions.Logging;

namespace Courier.Core.Ingest;

/// <summary>
/// The watch folder (<c>Courier:Ingest:WatchFolder</c>): each pass ingests the complete files dropped there. A file is
/// complete when its size and time have not changed for <see cref="IngestOptions.SettleTime"/>; it is then moved to
/// <c>processing/</c> (so a crash mid-transcode finds it there and ingests it again on the next pass), ingested with the
/// video id taken from its file name, and moved to <c>done/</c>, or to <c>failed/</c> with a <c>.error</c> text saying why
/// when it is bad input or cannot be transcoded.
/// </summary>
public sealed partial class WatchFolder
{
    public const string Processing = "processing";
    public const string Done = "done";
    public const string Failed = "failed";

    private readonly IngestService _ingest;
    private readonly TimeProvider _time;
    private readonly IngestOptions _options;
    private readonly string _relative;
    private readonly string _folder;
    private readonly ILogger _logger;
    private readonly Dictionary<string, (long Length, DateTime Written, DateTimeOffset Since)> _seen = new(StringComparer.Ordinal);

    public WatchFolder(IngestService ingest, SourceResolver sources, TimeProvider time, CourierOptions options, ILogger<WatchFolder> logger)
    {
        _ingest = ingest;
        _time = time;
        _options = options.Ingest;
        _relative = (_options.WatchFolder ?? throw new InvalidOperationException("Courier:Ingest:WatchFolder is not set")).Trim('/');
        _folder = Path.Combine(sources.SourceRoot, _relative);
        _logger = logger;
    }

    /// <summary>The absolute folder watched.</summary>
    public string Folder => _folder;

    /// <summary>One look: ingests what a crash left in <c>processing/</c>, then every dropped file that has settled. Returns how many were ingested or failed.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.Combine(_folder, Processing));
        var handled = 0;
        foreach (var left in Directory.EnumerateFiles(Path.Combine(_folder, Processing)).Order(StringComparer.Ordinal).ToList())
        {
            LogRecovering(Path.GetFileName(left));
            await IngestAsync(Path.GetFileName(left), cancellationToken).ConfigureAwait(false);
            handled++;
        }

        var now = _time.GetUtcNow();
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFiles(_folder).Order(StringComparer.Ordinal).ToList())
        {
            var name = Path.GetFileName(path);
            if (name.StartsWith('.'))
            {
                continue;
            }

            present.Add(name);
            var info = new FileInfo(path);
            if (!_seen.TryGetValue(name, out var seen) || seen.Length != info.Length || seen.Written != info.LastWriteTimeUtc)
            {
                _seen[name] = (info.Length, info.LastWriteTimeUtc, now);
                continue;
            }

            if (now - seen.Since < _options.SettleTime)
            {
                continue;
            }

            _seen.Remove(name);
            File.Move(path, Path.Combine(_folder, Processing, name), overwrite: true);
            await IngestAsync(name, cancellationToken).ConfigureAwait(false);
            handled++;
        }

        foreach (var gone in _seen.Keys.Where(k => !present.Contains(k)).ToList())
        {
            _seen.Remove(gone);
        }

        return handled;
    }

    /// <summary>The video id of a dropped file: its name without the extension, other characters than A-Z a-z 0-9 . _ - made '-'.</summary>
    public static string VideoIdOf(string fileName)
    {
        var id = InvalidCharacters().Replace(Path.GetFileNameWithoutExtension(fileName), "-").Trim('.');
        id = id.Length > 128 ? id[..128] : id;
        return id.Length == 0 ? "video" : id;
    }

    private async Task IngestAsync(string name, CancellationToken cancellationToken)
    {
        var processing = Path.Combine(_folder, Processing, name);
        var videoId = VideoIdOf(name);
        try
        {
            var report = await _ingest.IngestAsync(new IngestRequest(videoId, $"{_relative}/{Processing}/{name}"), null, cancellationToken).ConfigureAwait(false);
            Directory.CreateDirectory(Path.Combine(_folder, Done));
            File.Move(processing, Path.Combine(_folder, Done, name), overwrite: true);
            LogIngested(name, videoId, report.Video.Version, report.Video.State.ToString().ToLowerInvariant());
        }
        catch (Exception e) when (e is BadInputException or TranscodeFailedException)
        {
            var failed = Path.Combine(_folder, Failed);
            Directory.CreateDirectory(failed);
            await File.WriteAllTextAsync(Path.Combine(failed, name + ".error"), e.Message + "\n", CancellationToken.None).ConfigureAwait(false);
            File.Move(processing, Path.Combine(failed, name), overwrite: true);
            LogFailed(name, videoId, e.Message);
        }
    }

    [GeneratedRegex("[^A-Za-z0-9._-]")]
    private static partial Regex InvalidCharacters();

    [LoggerMessage(Level = LogLevel.Information, Message = "Watch folder: {File} ingested as {VideoId} v{Version} ({State})")]
    private partial void LogIngested(string file, string videoId, int version, string state);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Watch folder: {File} ({VideoId}) moved to failed/: {Error}")]
    private partial void LogFailed(string file, string videoId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Watch folder: {File} was being ingested when Courier stopped; ingesting it again")]
    private partial void LogRecovering(string file);
}
