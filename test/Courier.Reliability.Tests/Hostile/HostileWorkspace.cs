using System.Text.Json;
using Courier.Core.Storage;
using Courier.Server.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Courier.Reliability.Tests.Hostile;

/// <summary>
/// A working directory for hostile-input runs: a source root with a real rendition, a file just outside it, a symbolic
/// link escaping it (alone and inside a package), and a filesystem target. Nothing bad may ever be stored here.
/// </summary>
public sealed class HostileWorkspace : IDisposable
{
    private readonly TempDirectory _directory = new();

    public HostileWorkspace()
    {
        Directory.CreateDirectory(Media);
        Directory.CreateDirectory(Path.Combine(Media, "v"));
        File.WriteAllBytes(Path.Combine(Media, "v", "360p.mp4"), new byte[4096]);
        File.WriteAllText(Path.Combine(Root, "outside.mp4"), "secret outside the source root");
        File.CreateSymbolicLink(Path.Combine(Media, "link.mp4"), "/etc/passwd");
        Directory.CreateDirectory(Path.Combine(Media, "pkg"));
        File.WriteAllBytes(Path.Combine(Media, "pkg", "seg_000.ts"), new byte[1024]);
        File.CreateSymbolicLink(Path.Combine(Media, "pkg", "seg_001.ts"), Path.Combine(Root, "outside.mp4"));
        File.CreateSymbolicLink(Path.Combine(Media, "escape-dir"), "/etc");
        Directory.CreateDirectory(Path.Combine(Media, "empty"));
        NamedPipe.Make(Path.Combine(Media, "v", "pipe.mp4"));
        Directory.CreateDirectory(Path.Combine(Media, "piped"));
        File.WriteAllBytes(Path.Combine(Media, "piped", "seg_000.ts"), new byte[1024]);
        NamedPipe.Make(Path.Combine(Media, "piped", "seg_001.ts"));
        WriteConfig("courier.json", new Dictionary<string, object>
        {
            ["archive"] = new { Kind = "filesystem", Region = "local", Root = "./targets/archive" },
        });
    }

    public string Root => _directory.Path;

    public string Media => Path.Combine(Root, "media");

    public string TargetRoot => Path.Combine(Root, "targets", "archive");

    public void WriteConfig(string name, Dictionary<string, object> targets, object? api = null) =>
        File.WriteAllText(Path.Combine(Root, name), JsonSerializer.Serialize(new
        {
            Courier = new
            {
                SourceRoot = "./media",
                Store = new { Provider = "sqlite", ConnectionString = "Data Source=courier.db" },
                Targets = targets,
                Api = api,
            },
        }));

    /// <summary>What the store and the target hold: videos and files (both must stay zero).</summary>
    public async Task<(int Videos, int TargetFiles)> StoredAsync()
    {
        var files = Directory.Exists(TargetRoot) ? Directory.EnumerateFiles(TargetRoot, "*", SearchOption.AllDirectories).Count() : 0;
        if (!File.Exists(Path.Combine(Root, "courier.db")))
        {
            return (0, files);
        }

        var services = new ServiceCollection();
        services.AddLogging();
        services.AddCourier(CourierConfiguration.Load(Path.Combine(Root, "courier.json")));
        await using var provider = services.BuildServiceProvider();
        try
        {
            var videos = await provider.GetRequiredService<IDeliveryStore>().ListVideosAsync(1000, TestContext.Current.CancellationToken);
            return (videos.Count, files);
        }
        catch (SqliteException)
        {
            return (0, files);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
        }
    }

    public void Dispose() => _directory.Dispose();
}
