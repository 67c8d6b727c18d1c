using System.Text.RegularExpressions;

namespace Courier.Sqlite;

internal sealed partial class SqliteDeliveryStore
{
    /// <summary>
    /// Switches the file to WAL (a persistent property of the file), then applies the embedded <c>Migrations/NNNN_*.sql</c>
    /// not yet recorded in <c>schema_version</c>, all in one <c>BEGIN IMMEDIATE</c> transaction: a second process starting
    /// at the same moment waits for the write lock, then finds them applied. Foreign keys are off while they run (a table
    /// rebuild drops and renames a table that others refer to, the documented way to change a constraint), and every
    /// foreign key is checked before the commit: a migration that would leave a dangling reference rolls back.
    /// </summary>
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (var wal = SqliteMapping.Command(connection, null, "PRAGMA journal_mode = WAL"))
        {
            await wal.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        }

        // Only outside a transaction does this pragma take effect; the next OpenAsync of this pooled connection turns it on again.
        await using (var keysOff = SqliteMapping.Command(connection, null, "PRAGMA foreign_keys = OFF"))
        {
            await keysOff.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using var transaction = BeginWrite(connection);
        await using (var create = SqliteMapping.Command(connection, transaction, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL)"))
        {
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var applied = new HashSet<int>();
        await using (var select = SqliteMapping.Command(connection, transaction, "SELECT version FROM schema_version"))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                applied.Add(reader.GetInt32(0));
            }
        }

        foreach (var migration in Migrations.Where(m => !applied.Contains(m.Version)))
        {
            await using (var apply = SqliteMapping.Command(connection, transaction, migration.Sql))
            {
                await apply.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await using var record = SqliteMapping.Command(connection, transaction, "INSERT INTO schema_version (version, name) VALUES (@version, @name)", ("@version", migration.Version), ("@name", migration.Name));
            await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var check = SqliteMapping.Command(connection, transaction, "PRAGMA foreign_key_check"))
        await using (var reader = await check.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new InvalidOperationException($"the SQLite ledger's migration would leave a row of {reader.GetString(0)} without the {reader.GetString(2)} row it refers to");
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The embedded migrations, in order of their number.</summary>
    internal static IReadOnlyList<Migration> Migrations { get; } = LoadMigrations();

    private static List<Migration> LoadMigrations()
    {
        var assembly = typeof(SqliteDeliveryStore).Assembly;
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            var match = MigrationName().Match(resource);
            if (!match.Success)
            {
                continue;
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            migrations.Add(new Migration(int.Parse(match.Groups["number"].Value, System.Globalization.CultureInfo.InvariantCulture), match.Groups["name"].Value, reader.ReadToEnd()));
        }

        migrations.Sort((a, b) => a.Version.CompareTo(b.Version));
        if (migrations.Count == 0 || migrations.Select(m => m.Version).Distinct().Count() != migrations.Count)
        {
            throw new InvalidOperationException($"the embedded SQLite migrations of {assembly.GetName().Name} are missing or numbered twice");
        }

        return migrations;
    }

    [GeneratedRegex(@"\.Migrations\.(?<number>\d{4})_(?<name>[A-Za-z0-9_]+)\.sql$", RegexOptions.CultureInvariant)]
    private static partial Regex MigrationName();

    /// <summary>One numbered schema change.</summary>
    internal sealed record Migration(int Version, string Name, string Sql);
}
