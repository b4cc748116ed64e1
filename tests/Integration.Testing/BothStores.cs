using Integration.Testing.Servers;
using Microsoft.Extensions.DependencyInjection;

namespace Integration.Testing;

/// <summary>
/// Base of a test class whose tests run on SQLite and on PostgreSQL: write the tests once in an abstract
/// class deriving from this one, and add two nested classes that pick the store,
/// <c>public sealed class Sqlite() : XTests(postgres: false);</c> and <c>public sealed class Postgres() : XTests(postgres: true);</c>.
/// xUnit runs every inherited test in each of them (<c>XTests+Sqlite.Method</c>, <c>XTests+Postgres.Method</c>).
/// </summary>
public abstract class BothStores(bool postgres)
{
    /// <summary>True in the PostgreSQL run.</summary>
    protected bool OnPostgres { get; } = postgres;

    /// <summary>A gateway on a fresh store of this run's kind (a new SQLite file, or a new PostgreSQL database).</summary>
    protected GatewayFactory Gateway(
        TimeProvider? time = null,
        IDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null) =>
        new(new GatewayFactoryOptions
        {
            Postgres = OnPostgres,
            Time = time,
            Settings = settings ?? new Dictionary<string, string?>(),
            Services = services,
        });

    /// <summary>A store that several gateways can open one after the other or at once (restart and two-instance tests).</summary>
    protected Task<string> SharedStoreAsync() => SharedStoreAsync(OnPostgres);

    /// <summary>A fresh store (a PostgreSQL database, or a SQLite file) that several gateways can open, for tests with a store parameter.</summary>
    public static async Task<string> SharedStoreAsync(bool postgres)
    {
        if (postgres)
        {
            return await TestServers.Postgres.CreateDatabaseAsync();
        }

        var directory = Path.Combine(Path.GetTempPath(), "gateway-tests");
        Directory.CreateDirectory(directory);
        return $"Data Source={Path.Combine(directory, "shared-" + Guid.NewGuid().ToString("N") + ".db")}";
    }
}
