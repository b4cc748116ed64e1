using System.Collections.Concurrent;
using System.Data.Common;
using System.Net;
using Dapper;
using Integration.Core.Audit;
using Integration.Core.Monitoring;
using Integration.Testing;
using Integration.Testing.Servers;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;

namespace Integration.Resilience.Tests;

/// <summary>
/// An answered personal-data lookup has a durable audit row: a gateway killed with SIGKILL in a burst of citizen
/// checks, then started again, lost none of the rows of lookups it answered. On PostgreSQL a store that refuses audit
/// rows makes lookups answer 503 <c>store_unavailable</c>, not 200, and so does a store that holds a lookup's commit
/// beyond the writer's commit timeout; on SQLite the rows wait in the audit journal (up to its backlog, then 503) and
/// reach the table once the store takes them. A failed monitoring batch is written once the store takes rows again.
/// </summary>
public sealed class AuditDurabilityTests(ITestOutputHelper output) : IAsyncLifetime
{
    public Task InitializeAsync() => GatewayFactory.WireMock.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Sigkill_DuringBurstOfCitizenChecks_EveryAnsweredLookupHasAuditRow(string store)
    {
        var settings = TestGateways.Settings(new GatewayFactoryOptions
        {
            StoreConnectionString = store == "postgres" ? await TestServers.Postgres.CreateDatabaseAsync() : null,
        });
        var connectionString = settings["Store:ConnectionString"]!;
        using var gateway = new GatewayProcess(settings);
        await gateway.StartAsync();
        using var client = gateway.CreateClient(GatewayFactory.DeskKey, TimeSpan.FromSeconds(10));

        // Each lookup names itself in its purpose, so its audit row can be found. Half are the cached citizen
        // (answered at once), half citizens C06 does not know (each a call to WireMock).
        var run = Guid.NewGuid().ToString("N")[..6];
        var answered = new ConcurrentBag<string>();
        var failed = 0;
        var killed = 0;
        var others = new ConcurrentDictionary<string, int>();
        const int killAfter = 300;
        await Parallel.ForEachAsync(Enumerable.Range(0, 3000), new ParallelOptions { MaxDegreeOfParallelism = 24 }, async (i, _) =>
        {
            var purpose = $"burst {run} lookup {i}";
            try
            {
                using var response = await Api.VerifyAsync(client, i % 2 == 0 ? Api.An : Api.Unknown(i), purpose: purpose);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    await response.Content.ReadAsStringAsync();
                    answered.Add(purpose);
                    if (answered.Count >= killAfter && Interlocked.Exchange(ref killed, 1) == 0)
                    {
                        gateway.Kill();
                    }
                }
                else
                {
                    others.AddOrUpdate($"{(int)response.StatusCode} {await Api.ProblemCodeAsync(response)}", 1, (_, n) => n + 1);
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
            {
                Interlocked.Increment(ref failed);
            }
        });

        Assert.Equal(1, killed);
        Assert.True(failed > 0, "the gateway died while lookups were still being sent");

        // The gateway is started again, as its service manager would: on SQLite it copies the rows its predecessor had
        // journaled but not yet copied into the table.
        using (var restarted = new GatewayProcess(settings))
        {
            await restarted.StartAsync();
            await restarted.StopAsync();
        }

        await using var connection = Open(store, connectionString);
        var audited = (await connection.QueryAsync<string>(
            "SELECT purpose FROM audit_records WHERE action = 'citizen_verify' AND purpose LIKE @prefix",
            new { prefix = $"burst {run} %" })).ToHashSet(StringComparer.Ordinal);
        var missing = answered.Where(p => !audited.Contains(p)).ToList();
        output.WriteLine($"{store}: {answered.Count} lookups answered 200 before the SIGKILL, {failed} failed with it; after a restart " +
            $"{audited.Count} audit rows found, {missing.Count} answered lookups without one; other answers: {string.Join(", ", others.Select(o => $"{o.Key} x{o.Value}"))}");
        Assert.Empty(missing);
    }

    [Theory]
    [InlineData("postgres")]
    public async Task CitizenCheck_StoreRefusesAuditRows_Answers503StoreUnavailableThenRecovers(string store)
    {
        using var gateway = new GatewayFactory(new GatewayFactoryOptions { Postgres = store == "postgres" });
        using var client = gateway.CreateClient(GatewayFactory.DeskKey);
        await CacheCitizenAnAsync(client); // the refusal below is the store's alone

        await RefuseInsertsAsync(store, gateway.StoreConnectionString, "audit_records");
        using (var refused = await Api.VerifyAsync(client, Api.An))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal("store_unavailable", await Api.ProblemCodeAsync(refused));
            Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero, "Retry-After is set");
        }

        await AllowInsertsAsync(store, gateway.StoreConnectionString, "audit_records");
        using var again = await Api.VerifyAsync(client, Api.An, purpose: "after the store came back");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        await using var connection = Open(store, gateway.StoreConnectionString);
        Assert.Equal(1L, await connection.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM audit_records WHERE purpose = 'after the store came back'"));
    }

    /// <summary>
    /// SQLite: a lookup's row is durable once it is in the audit journal, so lookups are answered while the store refuses
    /// rows, until the journal holds its backlog (<c>Store:AuditJournalBacklog</c>, two rows here); the next lookup is
    /// answered 503 <c>store_unavailable</c>. Once the store takes rows again, the answered lookups' rows reach the table.
    /// </summary>
    [Fact]
    public async Task Sqlite_StoreRefusesAuditRows_JournalHoldsThemUpToItsBacklog_Then503_ThenTheyReachTheTable()
    {
        using var gateway = new GatewayFactory(new GatewayFactoryOptions { Settings = { ["Store:AuditJournalBacklog"] = "2" } });
        using var client = gateway.CreateClient(GatewayFactory.DeskKey);
        await CacheCitizenAnAsync(client);
        await gateway.Services.GetRequiredService<AuditLog>().FlushAsync();

        await RefuseInsertsAsync("sqlite", gateway.StoreConnectionString, "audit_records");
        foreach (var purpose in new[] { "journaled 1", "journaled 2" })
        {
            using var answered = await Api.VerifyAsync(client, Api.An, purpose: purpose);
            Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        }

        using (var refused = await Api.VerifyAsync(client, Api.An, purpose: "past the backlog"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal("store_unavailable", await Api.ProblemCodeAsync(refused));
            Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero, "Retry-After is set");
        }

        await using var connection = Open("sqlite", gateway.StoreConnectionString);
        const string Journaled = "SELECT COUNT(*) FROM audit_records WHERE purpose LIKE 'journaled %'";
        Assert.Equal(0L, await connection.ExecuteScalarAsync<long>(Journaled));

        await AllowInsertsAsync("sqlite", gateway.StoreConnectionString, "audit_records");
        await Eventually.TrueAsync(async () => await connection.ExecuteScalarAsync<long>(Journaled) == 2, "the journaled rows, copied once the store takes rows");
        Assert.Equal(0L, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM audit_records WHERE purpose = 'past the backlog'"));
        using var again = await Api.VerifyAsync(client, Api.An);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    /// <summary>SQLite: another session holding the write lock does not hold up answers (their rows are journaled); the rows are written once it lets go.</summary>
    [Fact]
    public async Task Sqlite_StoreHoldsItsWriteLock_LookupsAnsweredFromTheJournal_RowsWrittenOnceReleased()
    {
        using var gateway = new GatewayFactory();
        using var client = gateway.CreateClient(GatewayFactory.DeskKey);
        await CacheCitizenAnAsync(client);

        await using var locker = new SqliteConnection(gateway.StoreConnectionString);
        await locker.OpenAsync();
        var hold = locker.BeginTransaction(deferred: false);
        using (var answered = await Api.VerifyAsync(client, Api.An, purpose: "while the store held the lock"))
        {
            Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        }

        Assert.True(gateway.Services.GetRequiredService<AuditLog>().Unmoved > 0, "the row waits in the journal");
        await hold.RollbackAsync();
        await hold.DisposeAsync();
        await Eventually.TrueAsync(async () => await locker.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM audit_records WHERE purpose = 'while the store held the lock'") == 1, "the held row, written once the lock is released");
    }

    [Theory]
    [InlineData("postgres")]
    public async Task CitizenCheck_StoreHoldsTheCommitPastItsTimeout_Answers503ThenTheRowIsStillWritten(string store)
    {
        using var gateway = new GatewayFactory(new GatewayFactoryOptions { Postgres = store == "postgres" });
        using var client = gateway.CreateClient(GatewayFactory.DeskKey);
        client.Timeout = TimeSpan.FromSeconds(30); // a writer that never gives up fails the test instead of hanging it
        await CacheCitizenAnAsync(client);

        // Another session holds the write lock the audit writer needs (an administrator's long transaction, a
        // migration), so the batch holding the lookup's row cannot commit.
        await using var locker = Open(store, gateway.StoreConnectionString);
        await locker.OpenAsync();
        DbTransaction hold;
        if (locker is SqliteConnection sqlite)
        {
            hold = sqlite.BeginTransaction(deferred: false);
        }
        else
        {
            hold = await locker.BeginTransactionAsync();
            await locker.ExecuteAsync("LOCK TABLE audit_records IN EXCLUSIVE MODE", transaction: hold);
        }

        using (var refused = await Api.VerifyAsync(client, Api.An, purpose: "while the store held the lock"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal("store_unavailable", await Api.ProblemCodeAsync(refused));
        }

        await hold.RollbackAsync();
        await hold.DisposeAsync();
        // The refused answer's row stayed queued: it is written once the store lets the writer in.
        await Eventually.TrueAsync(async () => await locker.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM audit_records WHERE purpose = 'while the store held the lock'") == 1, "the held row, written late");
        using var again = await Api.VerifyAsync(client, Api.An);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task MonitoringRows_BatchFails_RetriedUntilTheStoreTakesThem(string store)
    {
        using var gateway = new GatewayFactory(new GatewayFactoryOptions { Postgres = store == "postgres" });
        using var client = gateway.CreateClient(GatewayFactory.DeskKey);
        await CacheCitizenAnAsync(client);
        var telemetry = gateway.Services.GetRequiredService<ConnectorTelemetry>();

        await telemetry.FlushAsync();
        await using var connection = Open(store, gateway.StoreConnectionString);
        var before = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM monitoring_records");

        await RefuseInsertsAsync(store, gateway.StoreConnectionString, "monitoring_records");
        var failedBefore = telemetry.FailedBatches;
        using (var lookup = await Api.VerifyAsync(client, Api.An))
        {
            Assert.Equal(HttpStatusCode.OK, lookup.StatusCode); // monitoring is best effort: the answer does not wait for it
        }

        await Eventually.TrueAsync(() => telemetry.FailedBatches >= failedBefore + 2, "the monitoring batch failing twice");
        Assert.Equal(before, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM monitoring_records"));

        await AllowInsertsAsync(store, gateway.StoreConnectionString, "monitoring_records");
        await Eventually.TrueAsync(async () =>
            await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM monitoring_records") == before + 1, "the retried monitoring row");
        Assert.Equal(0, telemetry.Dropped);
    }

    /// <summary>One check of citizen An, answered 200 (cached from then on).</summary>
    private static async Task CacheCitizenAnAsync(HttpClient client)
    {
        using var first = await Api.VerifyAsync(client, Api.An);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
    }

    private static DbConnection Open(string store, string connectionString) =>
        store == "postgres" ? new NpgsqlConnection(connectionString) : new SqliteConnection(connectionString);

    /// <summary>The store refuses every new row of <paramref name="table"/> (as a full disk or a revoked grant would).</summary>
    private static async Task RefuseInsertsAsync(string store, string connectionString, string table)
    {
        await using var connection = Open(store, connectionString);
        await connection.ExecuteAsync(store == "postgres"
            ? $"ALTER TABLE {table} ADD CONSTRAINT refuse_rows CHECK (false) NOT VALID"
            : $"CREATE TRIGGER refuse_rows BEFORE INSERT ON {table} BEGIN SELECT RAISE(ABORT, 'rows refused by the test'); END;");
    }

    private static async Task AllowInsertsAsync(string store, string connectionString, string table)
    {
        await using var connection = Open(store, connectionString);
        await connection.ExecuteAsync(store == "postgres" ? $"ALTER TABLE {table} DROP CONSTRAINT refuse_rows" : "DROP TRIGGER refuse_rows");
    }
}
