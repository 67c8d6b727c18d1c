using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Courier.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Courier.Server.Tests;

/// <summary>
/// A Courier server over real parts in a temporary directory: a SQLite file, a source root with renditions, filesystem
/// targets in their own folders, and (optionally) an http target on a loopback port where nothing listens.
/// <see cref="CreateClient"/> talks to it in memory (WebApplicationFactory's TestServer); <see cref="StartKestrelAsync"/>
/// serves it on a real loopback port instead, for the browser.
/// </summary>
internal sealed class CourierHost : IAsyncDisposable
{
    private readonly Factory? _factory;
    private WebApplication? _kestrel;
    private string? _schema;

    private CourierHost(string root, Dictionary<string, string?> settings, Action<IServiceCollection>? services)
    {
        Root = root;
        Settings = settings;
        Services = services;
        _factory = new Factory(this);
    }

    /// <summary>The temporary directory of this host.</summary>
    public string Root { get; }

    /// <summary>The source root.</summary>
    public string Media => Path.Combine(Root, "media");

    /// <summary>Where nothing listens: an http target there fails with a refused connection (transient).</summary>
    public int ClosedPort { get; private set; }

    /// <summary>A unique prefix for target names, so metrics of tests running at once do not mix.</summary>
    public string Tag { get; } = "t" + Guid.NewGuid().ToString("N")[..8];

    public Dictionary<string, string?> Settings { get; }

    public Action<IServiceCollection>? Services { get; }

    /// <summary>The services of the running server.</summary>
    public IServiceProvider Provider => _kestrel?.Services ?? _factory!.Services;

    /// <summary>The API key of <see cref="CreateWithApiKey"/>.</summary>
    public const string ApiKey = "s3cret-api-key-0123456789";

    /// <summary>A host whose API wants <see cref="ApiKey"/> for every mutation.</summary>
    public static CourierHost CreateWithApiKey() => Create(settings: new Dictionary<string, string?> { ["Api:ApiKey"] = ApiKey });

    /// <summary>
    /// A host with the filesystem targets <c>{Tag}-a</c> and <c>{Tag}-b</c>, and with <paramref name="withDownTarget"/>
    /// an http target <c>{Tag}-down</c> on a closed port. <paramref name="settings"/> are <c>Courier:</c>-relative overrides.
    /// </summary>
    public static CourierHost Create(bool withDownTarget = false, IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var root = Path.Combine(Path.GetTempPath(), "courier-server-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(root, "media"));
        var all = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var host = new CourierHost(root, all, services);
        all["SourceRoot"] = host.Media;
        all["Store:Provider"] = "sqlite";
        all["Store:ConnectionString"] = $"Data Source={Path.Combine(root, "courier.db")}";
        all["Scan:Interval"] = "00:00:02";
        all["Retry:QuickRetries"] = "0";
        all["Retry:FirstDelay"] = "00:10:00";
        all[$"Targets:{host.Tag}-a:Kind"] = "filesystem";
        all[$"Targets:{host.Tag}-a:Region"] = "north";
        all[$"Targets:{host.Tag}-a:Root"] = Path.Combine(root, "targets", "a");
        all[$"Targets:{host.Tag}-b:Kind"] = "filesystem";
        all[$"Targets:{host.Tag}-b:Region"] = "south";
        all[$"Targets:{host.Tag}-b:Root"] = Path.Combine(root, "targets", "b");
        if (withDownTarget)
        {
            host.ClosedPort = FreePort();
            all[$"Targets:{host.Tag}-down:Kind"] = "http";
            all[$"Targets:{host.Tag}-down:Region"] = "east";
            all[$"Targets:{host.Tag}-down:BaseUrl"] = $"http://127.0.0.1:{host.ClosedPort}/vod/";
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        return host;
    }

    public string TargetA => $"{Tag}-a";

    public string TargetB => $"{Tag}-b";

    public string TargetDown => $"{Tag}-down";

    /// <summary>The folder of a filesystem target (<c>a</c> or <c>b</c>).</summary>
    public string TargetRoot(string letter) => Path.Combine(Root, "targets", letter);

    /// <summary>Writes a source file of <paramref name="size"/> random bytes and returns its bytes.</summary>
    public byte[] WriteSource(string relativePath, int size = 64 * 1024)
    {
        var bytes = new byte[size];
        Random.Shared.NextBytes(bytes);
        var full = Path.Combine(Media, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, bytes);
        return bytes;
    }

    /// <summary>A client of the in-memory server (started on first use).</summary>
    public HttpClient CreateClient() => _factory!.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

    /// <summary>Starts the server on Kestrel at 127.0.0.1 on a free port, as <c>courier serve</c> does; returns its base address.</summary>
    public async Task<Uri> StartKestrelAsync()
    {
        Settings["Api:Urls"] = "http://127.0.0.1:0";
        _kestrel = CourierServer.Build(LoadConfiguration(), Services);
        await _kestrel.StartAsync();
        var address = _kestrel.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/");
    }

    public CourierConfiguration LoadConfiguration()
    {
        var file = Path.Combine(Root, "courier.json");
        File.WriteAllText(file, "{ \"Courier\": {} }");
        return CourierConfiguration.Load(file, Settings.Select(p => new KeyValuePair<string, string?>("Courier:" + p.Key, p.Value)));
    }

    /// <summary>A loopback port where nothing listens (now).</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>
    /// The same host on the test PostgreSQL server (<c>COURIER_TEST_POSTGRES</c>) in a schema of its own, dropped when the
    /// host is disposed, for <paramref name="store"/> <c>postgres</c>; unchanged (SQLite) for <c>sqlite</c>.
    /// </summary>
    public CourierHost OnStore(string store)
    {
        if (store == "postgres")
        {
            Settings["Store:Provider"] = "postgres";
            Settings["Store:ConnectionString"] = Environment.GetEnvironmentVariable("COURIER_TEST_POSTGRES") is { Length: > 0 } connection
                ? connection
                : throw new InvalidOperationException("COURIER_TEST_POSTGRES is not set: run `.ci/services start` and `source .ci/work/env`");
            _schema = "t_" + Guid.NewGuid().ToString("N")[..20];
            Settings["Store:Schema"] = _schema;
        }

        return this;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        if (_schema is not null)
        {
            await using var connection = new Npgsql.NpgsqlConnection(Settings["Store:ConnectionString"]);
            await connection.OpenAsync();
            await using var drop = new Npgsql.NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{_schema}\" CASCADE", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }

    private async ValueTask StopAsync()
    {
        if (_kestrel is not null)
        {
            await _kestrel.StopAsync();
            await _kestrel.DisposeAsync();
        }

        if (_factory is not null)
        {
            await _factory.DisposeAsync();
        }

        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: the temp directory is unique per test.
        }
    }

    /// <summary>
    /// WebApplicationFactory over <see cref="CourierServer.Build(CourierConfiguration, Action{IServiceCollection})"/>: the server
    /// is a library with no entry point, so the factory (keyed to this test assembly, which has one) is handed the host that Build makes, on its TestServer.
    /// </summary>
    private sealed class Factory(CourierHost owner) : WebApplicationFactory<CourierHost>
    {
        protected override IHostBuilder CreateHostBuilder() => new HostBuilder();

        protected override IHost CreateHost(IHostBuilder builder)
        {
            var app = CourierServer.Build(owner.LoadConfiguration(), owner.Services, web => web.WebHost.UseTestServer());
            app.Start();
            return app;
        }
    }
}

/// <summary>JSON helpers for the tests.</summary>
internal static class Json
{
    public static StringContent Body(object value) => new(JsonSerializer.Serialize(value), Encoding.UTF8, "application/json");

    public static StringContent Raw(string json) => new(json, Encoding.UTF8, "application/json");

    public static async Task<JsonElement> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        try
        {
            return JsonDocument.Parse(text).RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"not JSON ({(int)response.StatusCode}): {text}", e);
        }
    }
}
