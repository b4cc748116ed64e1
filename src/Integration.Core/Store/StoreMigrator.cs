using System.Data.Common;
using Dapper;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Integration.Core.Store;

/// <summary>
/// Applies the registered <see cref="StoreMigration"/>s at start, before any other hosted service,
/// under a lock so that several instances starting together apply each migration once.
/// </summary>
internal sealed class StoreMigrator(GatewayStore store, IEnumerable<StoreMigration> migrations, TimeProvider time, ILogger<StoreMigrator> logger)
    : IHostedService
{
    private const long PostgresLockKey = 7_421_900_001;

    public Task StartAsync(CancellationToken cancellationToken) => MigrateAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await store.OpenAsync(cancellationToken);
        if (store.Dialect == StoreDialect.Sqlite)
        {
            // WAL lets readers run while the batched writers commit; it persists in the file.
            await connection.ExecuteAsync("PRAGMA journal_mode=WAL;");
        }

        await using var tx = await store.BeginWriteAsync(connection, cancellationToken);
        if (store.Dialect == StoreDialect.Postgres)
        {
            await connection.ExecuteAsync("SELECT pg_advisory_xact_lock(@k)", new { k = PostgresLockKey }, tx);
        }

        await connection.ExecuteAsync(
            "CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)", transaction: tx);
        var applied = (await connection.QueryAsync<string>("SELECT id FROM schema_migrations", transaction: tx)).ToHashSet();

        foreach (var migration in migrations.DistinctBy(m => m.Id).OrderBy(m => m.Id, StringComparer.Ordinal))
        {
            if (applied.Contains(migration.Id))
            {
                continue;
            }

            await ExecuteScriptAsync(connection, tx, migration.For(store.Dialect));
            await connection.ExecuteAsync(
                "INSERT INTO schema_migrations (id, applied_at) VALUES (@id, @at)",
                new { id = migration.Id, at = time.GetUtcNow().ToUnixTimeMilliseconds() },
                tx);
            Log.MigrationApplied(logger, migration.Id, store.Dialect.ToString());
        }

        await tx.CommitAsync(cancellationToken);
    }

    private static async Task ExecuteScriptAsync(DbConnection connection, DbTransaction tx, string script)
    {
        // Statements are separated by ';' at a line end; neither dialect's DDL here needs more.
        foreach (var statement in script.Split(";\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var sql = statement.TrimEnd(';').Trim();
            if (sql.Length > 0)
            {
                await connection.ExecuteAsync(sql, transaction: tx);
            }
        }
    }
}
