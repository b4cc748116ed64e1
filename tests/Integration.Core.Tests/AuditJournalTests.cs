using Dapper;
using Integration.Core.Audit;
using Integration.Core.Store;
using Integration.Testing;
using Microsoft.Data.Sqlite;

namespace Integration.Core.Tests;

/// <summary>
/// SQLite's audit journal: rows a gateway acknowledged but had not copied into <c>audit_records</c> when it crashed are
/// copied by the next gateway to start, once each, up to the first record the crash cut short; a journal a running
/// gateway holds is left to it.
/// </summary>
public sealed class AuditJournalTests
{
    private static string NewDatabase() => Path.Combine(Path.GetTempPath(), "gateway-core-tests", Guid.NewGuid().ToString("N") + ".db");

    private static Dictionary<string, string?> On(string database) => new() { ["Store:ConnectionString"] = "Data Source=" + database };

    private static string[] Journals(string database) =>
        Directory.GetFiles(Path.GetDirectoryName(database)!, Path.GetFileName(database) + ".*.audit-journal");

    private static AuditLog.Row Row(string purpose, long at) =>
        new(RowId.New(DateTimeOffset.FromUnixTimeMilliseconds(at)), at, "desk", "citizen_verify", "Identity", purpose, "001*******45", "h", "match", null);

    [Fact]
    public async Task AJournalLeftByACrashedGateway_IsCopiedOnceByTheNextToStart_UpToItsFirstDamagedRecord()
    {
        var database = NewDatabase();
        await using (await CoreHost.StartAsync(On(database)))
        {
        }

        Assert.Empty(Journals(database)); // an orderly stop copies everything and deletes its journal

        // A gateway that crashed: five rows journaled, the first two of them already copied (rows and position in one
        // transaction), and a sixth record cut short by the crash.
        var rows = Enumerable.Range(1, 5).Select(i => Row(i <= 2 ? $"copied {i}" : $"left {i}", 1_700_000_000_000 + i)).ToList();
        string path;
        string name;
        using (var journal = AuditJournal.Create(database))
        {
            name = journal.Name;
            journal.Append(rows, firstSequence: 1);
            path = Assert.Single(Journals(database));
            await using var connection = new SqliteConnection("Data Source=" + database);
            await connection.ExecuteAsync(
                "INSERT INTO audit_records (id, at, client, action, connector, purpose, subject_masked, subject_hash, result) " +
                "VALUES (@Id, @At, @Client, @Action, @Connector, @Purpose, @SubjectMasked, @SubjectHash, @Result)", rows.Take(2));
            await connection.ExecuteAsync("INSERT INTO audit_journals (journal, moved_through) VALUES (@name, 2)", new { name = journal.Name });
        }

        await File.AppendAllBytesAsync(path, [64, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7]); // a header promising 64 bytes, then 3

        await using (var next = await CoreHost.StartAsync(On(database)))
        {
            var recent = await next.Get<AuditLog>().ReadRecentAsync(50);
            Assert.Equal(["copied 1", "copied 2", "left 3", "left 4", "left 5"], recent.Select(r => r.Purpose).Reverse());
            Assert.DoesNotContain(path, Journals(database));
            await using var connection = new SqliteConnection("Data Source=" + database);
            Assert.DoesNotContain(name, await connection.QueryAsync<string>("SELECT journal FROM audit_journals")); // its progress is forgotten with it
        }

        Assert.Empty(Journals(database));
    }

    [Fact]
    public async Task AJournalHeldByARunningGateway_IsLeftToIt()
    {
        var database = NewDatabase();
        await using var first = await CoreHost.StartAsync(On(database));
        var audit = first.Get<AuditLog>();
        await audit.RecordLookupAsync("citizen_verify", "Identity", "from the first", "001089012345", "001*******45", "match");

        await using (var second = await CoreHost.StartAsync(On(database)))
        {
            Assert.Equal(2, Journals(database).Length);
            await audit.FlushAsync();
            Assert.Single(await second.Get<AuditLog>().ReadRecentAsync(50), r => r.Purpose == "from the first");
        }

        Assert.Single(Journals(database));
    }

    [Fact]
    public async Task AFullJournalIsRetiredForANewOne_AndDeletedOnceItsRowsAreInTheStore()
    {
        var database = NewDatabase();
        await using var host = await CoreHost.StartAsync(On(database));
        var audit = host.Get<AuditLog>();
        audit.JournalRotateBytes = 2048; // a handful of rows per journal

        // Another session holds the write lock, so nothing is copied meanwhile: every journal stays.
        await using var locker = new SqliteConnection("Data Source=" + database);
        await locker.OpenAsync();
        var hold = locker.BeginTransaction(deferred: false);
        for (var i = 0; i < 60; i++)
        {
            await audit.RecordLookupAsync("citizen_verify", "Identity", $"row {i}", $"0010890{i:00000}", "001*******45", "match");
        }

        Assert.True(Journals(database).Length > 5, $"full journals retired, {Journals(database).Length} files");
        hold.Rollback();

        await audit.FlushAsync();
        await Eventually.TrueAsync(() => Journals(database).Length == 1, "the retired journals deleted once copied");
        Assert.Equal(60L, await locker.ExecuteScalarAsync<long>("SELECT COUNT(DISTINCT purpose) FROM audit_records WHERE purpose LIKE 'row %'"));
        Assert.Equal(60L, await locker.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM audit_records WHERE purpose LIKE 'row %'"));
    }
}
