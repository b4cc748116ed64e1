using Microsoft.Extensions.Time.Testing;
using Dapper;
using Integration.Core.Outbox;
using Integration.Core.Store;
using Integration.Testing;
using Integration.Testing.Servers;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Options;

namespace Integration.Connectors.NationalPortal.Tests;

/// <summary>An <see cref="OutboxStore"/> on a fresh SQLite file or PostgreSQL database, with a clock the test moves.</summary>
internal sealed class OutboxFixture : IDisposable
{
    private readonly string? _sqliteFile;

    private OutboxFixture(GatewayStore store, OutboxOptions options, FakeTimeProvider time, string? sqliteFile)
    {
        Db = store;
        Options = options;
        Time = time;
        Signal = new OutboxSignal();
        Outbox = new OutboxStore(store, time, Microsoft.Extensions.Options.Options.Create(options), Signal);
        _sqliteFile = sqliteFile;
    }

    public GatewayStore Db { get; }

    public OutboxOptions Options { get; }

    public FakeTimeProvider Time { get; }

    public OutboxSignal Signal { get; }

    public OutboxStore Outbox { get; }

    /// <summary>Another instance's view of the same store (its own store object and claims).</summary>
    public OutboxStore OtherInstance() => new(Db, Time, Microsoft.Extensions.Options.Options.Create(Options), new OutboxSignal());

    public static async Task<OutboxFixture> CreateAsync(bool postgres, OutboxOptions? options = null)
    {
        string connectionString;
        string? file = null;
        if (postgres)
        {
            connectionString = await TestServers.Postgres.CreateDatabaseAsync();
        }
        else
        {
            file = Path.Combine(Path.GetTempPath(), "gateway-tests", "outbox-" + Guid.NewGuid().ToString("N") + ".db");
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            connectionString = $"Data Source={file}";
        }

        var store = new GatewayStore(
            Microsoft.Extensions.Options.Options.Create(new StoreOptions { Provider = postgres ? "postgres" : "sqlite", ConnectionString = connectionString }),
            new HostingEnvironment { ContentRootPath = Path.GetTempPath() });
        await using (var connection = await store.OpenAsync())
        {
            if (!postgres)
            {
                await connection.ExecuteAsync("PRAGMA journal_mode=WAL;");
            }

            foreach (var statement in OutboxStore.Migration.For(store.Dialect).Split(";\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                await connection.ExecuteAsync(statement.TrimEnd(';'));
            }
        }

        return new OutboxFixture(store, options ?? new OutboxOptions(), new FakeTimeProvider(TestClock.Start), file);
    }

    public void Dispose()
    {
        Db.Dispose();
        if (_sqliteFile is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var f in new[] { _sqliteFile, _sqliteFile + "-wal", _sqliteFile + "-shm" })
            {
                try
                {
                    File.Delete(f);
                }
                catch (IOException)
                {
                }
            }
        }
    }
}
