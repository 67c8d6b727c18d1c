using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Courier.Cli.Tests.Infrastructure;

/// <summary>A working directory of its own for one test: <c>courier.json</c>, <c>media/</c> (the source root), targets, the SQLite store.</summary>
public sealed class Sandbox : IDisposable
{
    public Sandbox(string name)
    {
        Dir = Path.Combine(Path.GetTempPath(), "courier-cli-tests", $"{name}-{Guid.NewGuid():N}"[..^20]);
        Directory.CreateDirectory(Media);
        Id = Path.GetFileName(Dir);
    }

    /// <summary>The working directory.</summary>
    public string Dir { get; }

    /// <summary>A unique id (for prefixes at shared servers).</summary>
    public string Id { get; }

    /// <summary>The source root.</summary>
    public string Media => Path.Combine(Dir, "media");

    private readonly List<string> _cleanUp = [];
    private string? _schema;

    /// <summary>Environment variables for every courier run (configuration overrides).</summary>
    public Dictionary<string, string> Environment { get; } = [];

    /// <summary>A filesystem target's settings.</summary>
    public static JsonObject FileSystem(string root) => new() { ["Kind"] = "filesystem", ["Region"] = "local", ["Root"] = root };

    /// <summary>An http target's settings.</summary>
    public static JsonObject Http(string baseUrl, string region = "remote") => new() { ["Kind"] = "http", ["Region"] = region, ["BaseUrl"] = baseUrl };

    /// <summary>
    /// The store of every config written after this: <c>sqlite</c> (./courier.db, the default) or <c>postgres</c> (the
    /// test server, <c>COURIER_TEST_POSTGRES</c>, in a schema of this sandbox's own, dropped with it).
    /// </summary>
    public void UseStore(string store)
    {
        if (store == "postgres")
        {
            _schema = "t_" + Guid.NewGuid().ToString("N")[..20];
        }
    }

    /// <summary>Writes courier.json: sources in ./media, the store (SQLite in ./courier.db unless <see cref="UseStore"/>), the API on a free port, and these targets.</summary>
    public void WriteConfig(IReadOnlyDictionary<string, JsonObject> targets, Action<JsonObject>? amend = null)
    {
        var targetsNode = new JsonObject();
        foreach (var (name, settings) in targets)
        {
            targetsNode[name] = settings.DeepClone();
        }

        var courier = new JsonObject
        {
            ["SourceRoot"] = "./media",
            ["Store"] = _schema is null
                ? new JsonObject { ["Provider"] = "sqlite", ["ConnectionString"] = "Data Source=courier.db" }
                : new JsonObject { ["Provider"] = "postgres", ["ConnectionString"] = PostgresConnectionString, ["Schema"] = _schema },
            ["Api"] = new JsonObject { ["Urls"] = "http://127.0.0.1:0" },
            ["Targets"] = targetsNode,
        };
        amend?.Invoke(courier);
        WriteText("courier.json", new JsonObject { ["Courier"] = courier }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>Writes a file under the working directory.</summary>
    public string WriteText(string relative, string text)
    {
        var path = Path.Combine(Dir, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>Writes <paramref name="bytes"/> random bytes to a file under the source root.</summary>
    public string WriteMedia(string relative, long bytes)
    {
        var path = Path.Combine(Media, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        var buffer = new byte[1 << 20];
        for (long written = 0; written < bytes; written += buffer.Length)
        {
            RandomNumberGenerator.Fill(buffer);
            file.Write(buffer, 0, (int)Math.Min(buffer.Length, bytes - written));
        }

        return path;
    }

    /// <summary>Runs courier here (with <see cref="Environment"/>).</summary>
    public Task<CourierResult> RunAsync(params string[] args) => CourierProcess.RunAsync(Dir, args, Environment);

    /// <summary>Runs courier here with a longer bound.</summary>
    public Task<CourierResult> RunAsync(TimeSpan timeout, params string[] args) => CourierProcess.RunAsync(Dir, args, Environment, timeout);

    /// <summary>Starts courier here (serve, or a distribute to interrupt).</summary>
    public CourierProcess Start(params string[] args) => CourierProcess.Start(Dir, args, Environment);

    /// <summary><c>courier status ID --json</c>, parsed; fails unless it exits 0.</summary>
    public async Task<JsonElement> StatusAsync(string videoId)
    {
        var result = await RunAsync("status", videoId, "--json");
        result.ExitCode.ShouldBe(0, result.ToString());
        return JsonDocument.Parse(result.Stdout).RootElement.Clone();
    }

    /// <summary>This sandbox's prefix at the shared WebDAV server (<c>cli-{Id}</c>) and where its files show on disk there (cleaned up).</summary>
    public (string Prefix, string AtServer) SharedWebDav(string webdavRoot)
    {
        var prefix = $"cli-{Id}";
        return (prefix, Shared(webdavRoot, prefix));
    }

    /// <summary>
    /// A directory of this test at a shared server (its prefix under nginx's document root), removed with the sandbox.
    /// </summary>
    public string Shared(string root, string prefix)
    {
        var path = Path.Combine(root, prefix);
        _cleanUp.Add(path);
        return path;
    }

    private static string PostgresConnectionString => System.Environment.GetEnvironmentVariable("COURIER_TEST_POSTGRES") is { Length: > 0 } value
        ? value
        : throw new InvalidOperationException("COURIER_TEST_POSTGRES is not set: run `.ci/services start` and `source .ci/work/env`");

    public void Dispose()
    {
        if (_schema is not null)
        {
            using var connection = new Npgsql.NpgsqlConnection(PostgresConnectionString);
            connection.Open();
            using var drop = new Npgsql.NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE", connection);
            drop.ExecuteNonQuery();
        }

        foreach (var path in _cleanUp.Append(Dir))
        {
            try
            {
                Directory.Delete(path, recursive: true);
            }
            catch (DirectoryNotFoundException)
            {
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
