using System.Text.Json;
using Courier.Core.Configuration;
using Courier.Core.Domain;
using Microsoft.Extensions.Configuration;

namespace Courier.Server.Hosting;

/// <summary>
/// Loads Courier's configuration: <c>courier.json</c> (or <c>--config FILE</c>), then environment variables
/// (<c>Courier__Scan__Interval=00:00:05</c>). Relative paths in it are taken from the file's directory.
/// </summary>
public sealed class CourierConfiguration
{
    private CourierConfiguration(IConfigurationRoot root, string? file, string baseDirectory)
    {
        Root = root;
        File = file;
        BaseDirectory = baseDirectory;
    }

    /// <summary>The configuration.</summary>
    public IConfigurationRoot Root { get; }

    /// <summary>The configuration file read, or null when none was found (the embedded defaults).</summary>
    public string? File { get; }

    /// <summary>The directory relative paths are resolved against.</summary>
    public string BaseDirectory { get; }

    /// <summary>The <c>Courier</c> section.</summary>
    public IConfigurationSection Courier => Root.GetSection(CourierDefaults.SectionName);

    /// <summary>
    /// Loads the configuration. <paramref name="path"/> null means <c>./courier.json</c> if it exists. A named file that is
    /// missing, or a file that is not valid JSON, is <see cref="BadInputException"/>.
    /// </summary>
    public static CourierConfiguration Load(string? path, IEnumerable<KeyValuePair<string, string?>>? overrides = null)
    {
        var explicitPath = path is not null;
        var full = Path.GetFullPath(path ?? CourierDefaults.ConfigFile);
        if (Directory.Exists(full))
        {
            throw new BadInputException("--config", $"configuration file '{full}' is a directory");
        }

        var exists = System.IO.File.Exists(full);
        if (explicitPath && !exists)
        {
            throw new BadInputException("--config", $"configuration file '{full}' does not exist");
        }

        var baseDirectory = exists ? Path.GetDirectoryName(full)! : Directory.GetCurrentDirectory();
        var builder = new ConfigurationBuilder();
        if (exists)
        {
            CheckJson(full);
            builder.AddJsonFile(full, optional: false, reloadOnChange: false);
        }

        builder.AddEnvironmentVariables();
        if (overrides is not null)
        {
            builder.AddInMemoryCollection(overrides);
        }

        try
        {
            return new CourierConfiguration(builder.Build(), exists ? full : null, baseDirectory);
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or JsonException)
        {
            throw new BadInputException("--config", $"configuration file '{full}' cannot be read: {e.Message}");
        }
    }

    /// <summary>
    /// Binds and checks the <c>Courier</c> options; relative paths are made absolute. Every problem is reported at once,
    /// each with its configuration key.
    /// </summary>
    public CourierOptions BindOptions()
    {
        var options = new CourierOptions();
        try
        {
            Courier.Bind(options);
        }
        catch (InvalidOperationException e)
        {
            throw new BadInputException(CourierDefaults.SectionName, $"configuration: {e.InnerException?.Message ?? e.Message} ({e.Message})");
        }

        options.SourceRoot = Path.GetFullPath(options.SourceRoot ?? ".", BaseDirectory);
        return options.Validated(CourierDefaults.SectionName);
    }

    /// <summary>The SQLite connection string with a relative data source made absolute against <see cref="BaseDirectory"/>.</summary>
    public string SqliteConnectionString(CourierOptions options)
    {
        var builder = new System.Data.Common.DbConnectionStringBuilder
        {
            ConnectionString = string.IsNullOrWhiteSpace(options.Store.ConnectionString) ? CourierDefaults.SqliteConnectionString : options.Store.ConnectionString,
        };
        foreach (var key in new[] { "Data Source", "DataSource", "Filename" })
        {
            if (builder.TryGetValue(key, out var value) && value is string source && source.Length > 0 && source != ":memory:" && !source.StartsWith("file:", StringComparison.Ordinal))
            {
                builder.Remove(key);
                builder["Data Source"] = Path.GetFullPath(source, BaseDirectory);
            }
        }

        return builder.ConnectionString;
    }

    private static void CheckJson(string file)
    {
        try
        {
            using var stream = System.IO.File.OpenRead(file);
            using var document = JsonDocument.Parse(stream, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new BadInputException("--config", $"configuration file '{file}' must hold a JSON object");
            }
        }
        catch (JsonException e)
        {
            throw new BadInputException("--config", $"configuration file '{file}' is not valid JSON: {e.Message}");
        }
        catch (UnauthorizedAccessException e)
        {
            throw new BadInputException("--config", $"configuration file '{file}' cannot be read: {e.Message}");
        }
    }
}
