using Dapper;
using Integration.Core.Audit;
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
    public async Task Start_CreatesQuartzTablesOnPostgres_AndNoJobLeases(string provider)
    {
        await using var host = await StartAsync(provider);
        await using var connection = await host.Get<GatewayStore>().OpenAsync();

        var tables = provider == "postgres"
            ? (await connection.QueryAsync<string>("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")).ToList()
            : (await connection.QueryAsync<string>("SELECT name FROM sqlite_master WHERE type = 'table'")).ToList();

        Assert.DoesNotContain("job_leases", tables);
        // Quartz 4.7's PostgreSQL schema (validated by the scheduler at start).
        string[] quartz =
        [
            "qrtz_job_details", "qrtz_triggers", "qrtz_simple_triggers", "qrtz_cron_triggers", "qrtz_simprop_triggers", "qrtz_blob_triggers", "qrtz_calendars", "qrtz_paused_trigger_grps", "qrtz_paused_job_grps", "qrtz_fired_triggers", "qrtz_scheduler_state", "qrtz_locks", "qrtz_execution_history", "qrtz_misfire_history", "qrtz_job_status",
        ];
        if (provider == "postgres")
        {
            Assert.All(quartz, t => Assert.Contains(t, tables));
        }
        else
        {
            // SQLite runs one instance, with the schedule in memory.
            Assert.DoesNotContain(tables, t => t.StartsWith("qrtz_", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task AuditRows_OnSqlite_ReachTheDatabaseFileWithoutACommitCheckpointing()
    {
        await using var host = await CoreHost.StartAsync();
        var audit = host.Get<Integration.Core.Audit.AuditLog>();
        var file = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(
            host.Get<Microsoft.Extensions.Options.IOptions<StoreOptions>>().Value.ConnectionString).DataSource;
        var before = new FileInfo(file).Length;

        // Durable audit rows, committed by the audit writer, whose connection leaves checkpoints to the background.
        await Task.WhenAll(Enumerable.Range(0, 20).Select(async caller =>
        {
            for (var i = 0; i < 150; i++)
            {
                await audit.RecordLookupAsync("citizen_verify", "Identity", "kiểm tra", $"0010890{caller:00}{i:000}", "001*******45", "match");
            }
        }));

        // 3,000 rows with their keyed hashes and indexes take well over half a megabyte once copied from the WAL.
        await Eventually.TrueAsync(() => new FileInfo(file).Length - before > 512 * 1024, "the audit rows were checkpointed into the database file");
    }

    [Fact]
    public async Task Sqlite_UnderAnUnbrokenStreamOfCommits_TheWalStartsAgainInsteadOfGrowing()
    {
        // Time stands still, so the gateway's own background checkpoints stay out of the way: the test runs them.
        await using var host = await CoreHost.StartAsync(time: new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow));
        var store = host.Get<GatewayStore>();
        var file = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(
            host.Get<Microsoft.Extensions.Options.IOptions<StoreOptions>>().Value.ConnectionString).DataSource;
        await using var writer = (Microsoft.Data.Sqlite.SqliteConnection)await store.OpenDedicatedWriterAsync();
        var row = 0;
        async Task InsertAsync(int count, System.Data.Common.DbTransaction? transaction = null)
        {
            for (var i = 0; i < count; i++)
            {
                await writer.ExecuteAsync(
                    "INSERT INTO audit_records (id, at, client, action, connector, result) VALUES (@id, @at, 'test', 'citizen_verify', 'Identity', 'match')",
                    new { id = RowId.New(DateTimeOffset.UtcNow), at = row++ }, transaction);
            }
        }

        await InsertAsync(300);

        // Each round: rows committed, then a writer's turn that is open (begun while the log still held rows not copied
        // to the file) while a checkpoint copies the log, and commits more rows behind that copy. SQLite then never finds
        // the log idle, so copying alone never lets the log start again: only the restarting checkpoint does.
        var seen = new List<long>();
        for (var round = 0; round < 4; round++)
        {
            await InsertAsync(100);
            await store.SqliteBatchGate.WaitAsync();
            long frames;
            using (var turn = writer.BeginTransaction(deferred: false))
            {
                await InsertAsync(100, turn);
                var copiedBefore = new FileInfo(file).Length;
                var checkpoint = Task.Run(() => store.CheckpointAsync(restartAboveFrames: 200));
                await Eventually.TrueAsync(() => checkpoint.IsCompleted || new FileInfo(file).Length > copiedBefore,
                    "the checkpoint copied the committed rows into the database file");
                turn.Commit();
                store.SqliteBatchGate.Release();
                frames = await checkpoint;
            }

            seen.Add(frames);
        }

        Assert.True(seen.Zip(seen.Skip(1)).Any(p => p.Second < p.First),
            "the log started again from its beginning while the writer kept committing (frames seen: " + string.Join(", ", seen) + ")");
    }

    [Fact]
    public async Task Sqlite_AReaderOnAnOldSnapshot_DoesNotHoldTheAuditWritersBehindARestartingCheckpoint()
    {
        await using var host = await CoreHost.StartAsync();
        var store = host.Get<GatewayStore>();
        await using var writer = await store.OpenDedicatedWriterAsync();
        async Task WriteRowsAsync(int count)
        {
            for (var i = 0; i < count; i++)
            {
                await writer.ExecuteAsync(
                    "INSERT INTO audit_records (id, at, client, action, connector, result) VALUES (@id, @at, 'test', 'citizen_verify', 'Identity', 'match')",
                    new { id = RowId.New(DateTimeOffset.UtcNow), at = i });
            }
        }

        await WriteRowsAsync(50);

        // A report query that keeps its snapshot open while more rows land: the log cannot start again until it ends.
        await using var reader = (Microsoft.Data.Sqlite.SqliteConnection)await store.OpenAsync();
        await using var snapshot = reader.BeginTransaction(deferred: true);
        await reader.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM audit_records", transaction: snapshot);
        await WriteRowsAsync(50);

        // SQLite's provider runs "async" commands synchronously, so the checkpoint gets a thread of its own.
        // Eventually gives up well before the pooled 30 s busy timeout the checkpoint used to wait for.
        var checkpoint = Task.Run(() => store.CheckpointAsync(restartAboveFrames: 0));
        await Eventually.TrueAsync(() => checkpoint.IsCompleted,
            "the restarting checkpoint to give up on the reader instead of holding the audit writers back for the busy timeout");
        Assert.True(await store.SqliteBatchGate.WaitAsync(0), "the checkpoint let the audit writers go when it gave up");
        store.SqliteBatchGate.Release();

        // Once the reader is done, the next round starts the log again: a new row lands at its beginning.
        var framesBefore = await checkpoint;
        await snapshot.CommitAsync();
        await store.CheckpointAsync(restartAboveFrames: 0);
        await WriteRowsAsync(1);
        var framesAfter = await store.CheckpointAsync(restartAboveFrames: 0);
        Assert.True(framesAfter < framesBefore, $"the log started again after the reader ended ({framesBefore} frames, then {framesAfter})");
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task ALookupResumedByItsCommit_CanRecordAnotherAndWaitForIt(string provider)
    {
        await using var host = await StartAsync(provider);
        var audit = host.Get<AuditLog>();

        // The audit writer resumes the callers of a committed batch itself: one that goes on to record a second lookup
        // and wait for it must get that one committed too, by the same writer, rather than wait on it.
        await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            await audit.RecordLookupAsync("citizen_verify", "Identity", $"first {i}", "001089012345", "001*******45", "match");
            await audit.RecordLookupAsync("citizen_verify", "Identity", $"then {i}", "001089012345", "001*******45", "match")
                .WaitAsync(TimeSpan.FromSeconds(30));
        }));

        var purposes = (await audit.ReadRecentAsync(100)).Select(r => r.Purpose).ToHashSet();
        Assert.All(Enumerable.Range(0, 20), i => Assert.Contains($"then {i}", purposes));
        Assert.All(Enumerable.Range(0, 20), i => Assert.Contains($"first {i}", purposes));
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task AuditRowsWrittenBeforeTheCommitOrderTable_SurviveItsMigration_AndReadNewestFirst(string provider)
    {
        var connectionString = provider == "sqlite"
            ? "Data Source=" + Path.Combine(Path.GetTempPath(), "gateway-core-tests", Guid.NewGuid().ToString("N") + ".db")
            : await TestServers.Postgres.CreateDatabaseAsync();
        await using (var before = await StartAsync(provider, connectionString))
        {
            await using var connection = await before.Get<GatewayStore>().OpenAsync();
            if (provider == "sqlite")
            {
                // Back to the first audit table (id as primary key, a time index), as a store from before the change has it.
                await connection.ExecuteAsync(
                    """
                    DROP TABLE audit_records;
                    CREATE TABLE audit_records (
                        id TEXT PRIMARY KEY, at BIGINT NOT NULL, client TEXT NOT NULL, action TEXT NOT NULL, connector TEXT NOT NULL,
                        purpose TEXT NULL, subject_masked TEXT NULL, subject_hash TEXT NULL, result TEXT NOT NULL, trace_id TEXT NULL);
                    CREATE INDEX ix_audit_records_at ON audit_records (at);
                    CREATE INDEX ix_audit_records_subject ON audit_records (subject_hash, at);
                    """);
            }

            await connection.ExecuteAsync("DELETE FROM schema_migrations WHERE id = '0011-core-audit-in-commit-order'");
            foreach (var (id, at) in new[] { ("row-b", 2000L), ("row-c", 3000L), ("row-a", 1000L) })
            {
                await connection.ExecuteAsync(
                    "INSERT INTO audit_records (id, at, client, action, connector, subject_hash, result) VALUES (@id, @at, 'desk', 'citizen_verify', 'Identity', 'h', 'match')",
                    new { id, at });
            }
        }

        await using var after = await StartAsync(provider, connectionString);
        var audit = after.Get<AuditLog>();
        await audit.RecordLookupAsync("citizen_verify", "Identity", "kiểm tra", "001089012345", "001*******45", "match");

        var rows = await audit.ReadRecentAsync(10);
        Assert.Equal(["row-c", "row-b", "row-a"], rows.Skip(1).Select(r => r.Id));
        Assert.Equal(("001*******45", "match"), (rows[0].SubjectMasked, rows[0].Result));
        if (provider == "sqlite")
        {
            await using var connection = await after.Get<GatewayStore>().OpenAsync();
            Assert.Equal(["ix_audit_records_subject"],
                await connection.QueryAsync<string>("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'audit_records'"));
        }
    }
}
