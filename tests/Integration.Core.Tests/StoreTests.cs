using Dapper;
using Integration.Core.Jobs;
using Integration.Core.Store;
using Integration.Testing;
using Integration.Testing.Servers;

namespace Integration.Core.Tests;

/// <summary>The same store behaviour on SQLite (default) and PostgreSQL.</summary>
public sealed class StoreTests
{
    public static TheoryData<string> Providers => new() { "sqlite", "postgres" };

    private static async Task<CoreHost> StartAsync(string provider, string? connectionString = null)
    {
        if (provider == "sqlite" && connectionString is null)
        {
            return await CoreHost.StartAsync();
        }

        connectionString ??= await TestServers.Postgres.CreateDatabaseAsync();
        return await CoreHost.StartAsync(new Dictionary<string, string?>
        {
            ["Store:Provider"] = provider,
            ["Store:ConnectionString"] = connectionString,
        });
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Start_AppliesMigrationsOnce_EvenWhenTwoInstancesStartTogether(string provider)
    {
        var db = provider == "postgres" ? await TestServers.Postgres.CreateDatabaseAsync() : null;
        await using var first = await StartAsync(provider, db);
        if (db is not null)
        {
            var both = await Task.WhenAll(StartAsync(provider, db), StartAsync(provider, db));
            foreach (var h in both)
            {
                await h.DisposeAsync();
            }
        }

        await using var connection = await first.Get<GatewayStore>().OpenAsync();
        var ids = (await connection.QueryAsync<string>("SELECT id FROM schema_migrations ORDER BY id")).ToList();
        Assert.Equal(ids.Distinct().Count(), ids.Count);
        Assert.Contains("0001-core-audit", ids);
        Assert.Contains("0002-core-monitoring", ids);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task JobLease_OneClaimPerSlotAcrossInstances(string provider)
    {
        var db = provider == "postgres" ? await TestServers.Postgres.CreateDatabaseAsync() : null;
        await using var host = await StartAsync(provider, db);
        var lease = host.Get<JobLease>();
        var slot = new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => lease.TryClaimAsync("reconcile", slot, TimeSpan.FromMinutes(5))));
        Assert.Equal(1, claims.Count(c => c));

        Assert.False(await lease.TryClaimAsync("reconcile", slot, TimeSpan.FromMinutes(5)));
        Assert.True(await lease.TryClaimAsync("reconcile", slot.AddMinutes(1), TimeSpan.FromMinutes(5)));
        Assert.True(await lease.TryClaimAsync("other-job", slot, TimeSpan.FromMinutes(5)));
    }
}
