using System.Text.RegularExpressions;
using Courier.Core.Configuration;
using Courier.Core.Domain;

namespace Courier.Postgres;

/// <summary>Settings of the PostgreSQL store, shared by any number of <c>courier serve</c> nodes.</summary>
public sealed partial class PostgresStoreOptions : IValidatableOptions
{
    /// <summary>The Npgsql connection string (<c>Host=…;Username=…;Database=…</c>).</summary>
    public string ConnectionString { get; set; } = string.Empty;

    /// <summary>
    /// The schema Courier's tables live in; created by the migrations when missing, and set as the connection's search path.
    /// Several Courier installations (or tests) can share one database, each in its own schema.
    /// <value>The default is <c>public</c>.</value>
    /// </summary>
    public string Schema { get; set; } = PostgresStoreDefaults.Schema;

    public IEnumerable<ConfigurationProblem> Validate(string section)
    {
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            yield return new($"{section}:ConnectionString", $"{section}:ConnectionString is required for the postgres store");
        }

        if (!SchemaName().IsMatch(Schema ?? string.Empty))
        {
            yield return new($"{section}:Schema", $"{section}:Schema '{Names.Printable(Schema ?? string.Empty)}' must be 1-63 of a-z 0-9 _ and start with a letter or _");
        }
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex SchemaName();
}
