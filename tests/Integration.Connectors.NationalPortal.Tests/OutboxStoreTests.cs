using System.Collections.Concurrent;
using System.Data;
using System.Data.Common;
using Dapper;
using Integration.Core.Outbox;
using Integration.Core.Store;

namespace Integration.Connectors.NationalPortal.Tests;

/// <summary>The outbox's guarantees, on both stores the gateway supports.</summary>
public sealed class OutboxStoreTests
{
    private const string Topic = "test.topic";
    private static readonly string[] Topics = [Topic];
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Enqueue_SameVersionTwice_ReturnsTheStoredItemAndAddsNothing(bool postgres)
    {
        using var f = await OutboxFixture.CreateAsync(postgres);

        var first = await f.Outbox.EnqueueAsync(Topic, "A", 1, """{"n":1}""");
        var again = await f.Outbox.EnqueueAsync(Topic, "A", 1, """{"n":"changed"}""");

        Assert.True(first.Created);
        Assert.False(again.Created);
        Assert.Equal(first.Item.Id, again.Item.Id);
        Assert.Equal("""{"n":1}""", again.Item.Payload);
        Assert.Single(await f.Outbox.ListByKeyAsync(Topic, "A"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Enqueue_ConcurrentSameVersion_StoresOneItem(bool postgres)
    {
        using var f = await OutboxFixture.CreateAsync(postgres);

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => f.Outbox.EnqueueAsync(Topic, "A", 1, "{}"))));

        Assert.Single(results, r => r.Created);
        Assert.Single(results.Select(r => r.Item.Id).Distinct());
        Assert.Single(await f.Outbox.ListByKeyAsync(Topic, "A"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Claim_SeveralVersionsOfOneKey_OnlyTheLowestUnfinishedVersionIsClaimable(bool postgres)
    {
        using var f = await OutboxFixture.CreateAsync(postgres);
        // Enqueued out of order: the order that counts is the version.
        await f.Outbox.EnqueueAsync(Topic, "A", 2, "{}");
        await f.Outbox.EnqueueAsync(Topic, "A", 1, "{}");
        await f.Outbox.EnqueueAsync(Topic, "A", 3, "{}");
        await f.Outbox.EnqueueAsync(Topic, "B", 1, "{}");

        var first = await f.Outbox.ClaimAsync(Topics, 10, Lease);
        Assert.Equal(["A:1", "B:1"], first.Select(Name).Order());
        Assert.Empty(await f.Outbox.ClaimAsync(Topics, 10, Lease));

        await f.Outbox.MarkDeliveredAsync(first.Single(i => i.Key == "A"));
        var second = await f.Outbox.ClaimAsync(Topics, 10, Lease);
        Assert.Equal(["A:2"], second.Select(Name));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Claim_TwoInstancesConcurrently_NeverClaimOneItemTwiceAndKeepVersionOrder(bool postgres)
    {
        using var f = await OutboxFixture.CreateAsync(postgres);
        const int keys = 12;
        const int versions = 5;
        for (var v = 1; v <= versions; v++)
        {
            for (var k = 0; k < keys; k++)
            {
                await f.Outbox.EnqueueAsync(Topic, $"K{k}", v, "{}");
            }
        }

        var claims = new ConcurrentQueue<(long Sequence, string Key, long Version, string Id)>();
        long sequence = 0;
        async Task RunInstanceAsync(OutboxStore instance)
        {
            var idleRounds = 0;
            while (idleRounds < 3)
            {
                var batch = await instance.ClaimAsync(Topics, 3, Lease);
                idleRounds = batch.Count == 0 ? idleRounds + 1 : 0;
                foreach (var item in batch)
                {
                    claims.Enqueue((Interlocked.Increment(ref sequence), item.Key, item.Version, item.Id));
                    Assert.True(await instance.MarkDeliveredAsync(item));
                }

                if (batch.Count == 0)
                {
                    await Task.Yield();
                }
            }
        }

        await Task.WhenAll(Task.Run(() => RunInstanceAsync(f.Outbox)), Task.Run(() => RunInstanceAsync(f.OtherInstance())));

        var all = claims.ToList();
        Assert.Equal(keys * versions, all.Count);
        Assert.Equal(all.Count, all.Select(c => c.Id).Distinct().Count());
        foreach (var key in all.GroupBy(c => c.Key))
        {
            Assert.Equal(Enumerable.Range(1, versions).Select(v => (long)v), key.OrderBy(c => c.Sequence).Select(c => c.Version));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Claim_LeaseHeldOrExpired_OtherInstanceWaitsThenTakesOverAndTheOldClaimCannotComplete(bool postgres)
    {
        using var f = await OutboxFixture.CreateAsync(postgres);
        await f.Outbox.EnqueueAsync(Topic, "A", 1, "{}");
        var other = f.OtherInstance();

        var mine = Assert.Single(await f.Outbox.ClaimAsync(Topics, 10, Lease));
        Assert.Empty(await other.ClaimAsync(Topics, 10, Lease));

        f.Time.Advance(Lease + TimeSpan.FromSeconds(1));
        var theirs = Assert.Single(await other.ClaimAsync(Topics, 10, Lease));

        Assert.Equal(mine.Id, theirs.Id);
        Assert.Equal(2, theirs.Attempts);
        Assert.False(await f.Outbox.MarkDeliveredAsync(mine));
        Assert.True(await other.MarkDeliveredAsync(theirs));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task MarkFailed_Transient_RetriesWithExponentialBackoffUpToTheMaximum(bool postgres)
    {
        using var f = await OutboxFixture.CreateAsync(postgres, new OutboxOptions
        {
            RetryBaseDelay = TimeSpan.FromSeconds(10),
            RetryMaxDelay = TimeSpan.FromSeconds(30),
            MaxAttempts = 10,
        });
        await f.Outbox.EnqueueAsync(Topic, "A", 1, "{}");

        foreach (var expected in new[] { 10, 20, 30, 30 })
        {
            var claimed = Assert.Single(await f.Outbox.ClaimAsync(Topics, 10, Lease));
            var failed = await f.Outbox.MarkFailedAsync(claimed, "portal answered HTTP 503.", permanent: false);

            Assert.Equal(OutboxState.Queued, failed!.State);
            Assert.Equal(f.Time.GetUtcNow() + TimeSpan.FromSeconds(expected), failed.NextAttemptAt);
            f.Time.Advance(TimeSpan.FromSeconds(expected - 1));
            Assert.Empty(await f.Outbox.ClaimAsync(Topics, 10, Lease));
            f.Time.Advance(TimeSpan.FromSeconds(1));
        }

        var item = Assert.Single(await f.Outbox.ClaimAsync(Topics, 10, Lease));
        Assert.Equal(5, item.Attempts);
        Assert.Equal("portal answered HTTP 503.", item.LastError);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task MarkFailed_RetryAfterLongerThanBackoff_WaitsForRetryAfter(bool postgres)
    {
        using var f = await OutboxFixture.CreateAsync(postgres, new OutboxOptions { RetryBaseDelay = TimeSpan.FromSeconds(10) });
        await f.Outbox.EnqueueAsync(Topic, "A", 1, "{}");

        var claimed = Assert.Single(await f.Outbox.ClaimAsync(Topics, 10, Lease));
        var failed = await f.Outbox.MarkFailedAsync(claimed, "circuit open", permanent: false, retryAfter: TimeSpan.FromMinutes(3));

        Assert.Equal(f.Time.GetUtcNow() + TimeSpan.FromMinutes(3), failed!.NextAttemptAt);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task MarkFailed_LastAllowedAttempt_GoesDeadWithItsError(bool postgres)
    {
        using var f = await OutboxFixture.CreateAsync(postgres, new OutboxOptions { MaxAttempts = 3, RetryBaseDelay = TimeSpan.FromSeconds(1) });
        await f.Outbox.EnqueueAsync(Topic, "A", 1, "{}");

        OutboxItem? last = null;
        for (var i = 1; i <= 3; i++)
        {
            var claimed = Assert.Single(await f.Outbox.ClaimAsync(Topics, 10, Lease));
            last = await f.Outbox.MarkFailedAsync(claimed, $"failure {i}", permanent: false);
            f.Time.Advance(TimeSpan.FromMinutes(1));
        }

        Assert.Equal(OutboxState.Dead, last!.State);
        Assert.Equal(3, last.Attempts);
        Assert.Equal("failure 3", last.LastError);
        Assert.Empty(await f.Outbox.ClaimAsync(Topics, 10, Lease));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DeadItem_BlocksLaterVersionsOfItsKeyUntilRequeuedOrSkipped(bool postgres)
    {
        using var f = await OutboxFixture.CreateAsync(postgres);
        await f.Outbox.EnqueueAsync(Topic, "A", 1, "{}");
        await f.Outbox.EnqueueAsync(Topic, "A", 2, "{}");
        await f.Outbox.EnqueueAsync(Topic, "B", 1, "{}");
        var claimed = await f.Outbox.ClaimAsync(Topics, 10, Lease);
        await f.Outbox.MarkDeliveredAsync(claimed.Single(i => i.Key == "B"));
        var a1 = claimed.Single(i => i.Key == "A");
        var dead = await f.Outbox.MarkFailedAsync(a1, "12: procedure unknown", permanent: true);
        Assert.Equal(OutboxState.Dead, dead!.State);
        Assert.Equal("12: procedure unknown", dead.LastError);

        f.Time.Advance(TimeSpan.FromHours(1));
        Assert.Empty(await f.Outbox.ClaimAsync(Topics, 10, Lease));

        var requeued = await f.Outbox.RequeueAsync(a1.Id);
        Assert.True(requeued.Changed);
        Assert.Equal(OutboxState.Queued, requeued.Item!.State);
        Assert.Equal(0, requeued.Item.Attempts);
        var again = Assert.Single(await f.Outbox.ClaimAsync(Topics, 10, Lease));
        Assert.Equal("A:1", Name(again));
        await f.Outbox.MarkFailedAsync(again, "12: procedure unknown", permanent: true);

        var skipped = await f.Outbox.SkipAsync(a1.Id);
        Assert.True(skipped.Changed);
        Assert.Equal(OutboxState.Skipped, skipped.Item!.State);
        Assert.Equal("A:2", Name(Assert.Single(await f.Outbox.ClaimAsync(Topics, 10, Lease))));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Requeue_ItemThatIsNotDead_ChangesNothing(bool postgres)
    {
        using var f = await OutboxFixture.CreateAsync(postgres);
        var queued = await f.Outbox.EnqueueAsync(Topic, "A", 1, "{}");

        var requeue = await f.Outbox.RequeueAsync(queued.Item.Id);
        var skip = await f.Outbox.SkipAsync(queued.Item.Id);
        var unknown = await f.Outbox.RequeueAsync(Guid.NewGuid().ToString("N"));

        Assert.False(requeue.Changed);
        Assert.Equal(OutboxState.Queued, requeue.Item!.State);
        Assert.False(skip.Changed);
        Assert.Null(unknown.Item);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Enqueue_LowerVersionAfterAHigherOneWasSent_IsStoredAsSkipped(bool postgres)
    {
        using var f = await OutboxFixture.CreateAsync(postgres);
        await f.Outbox.EnqueueAsync(Topic, "A", 2, "{}");
        var sent = Assert.Single(await f.Outbox.ClaimAsync(Topics, 10, Lease));
        await f.Outbox.MarkDeliveredAsync(sent);

        var late = await f.Outbox.EnqueueAsync(Topic, "A", 1, "{}");

        Assert.True(late.Created);
        Assert.Equal(OutboxState.Skipped, late.Item.State);
        Assert.Contains("version 2", late.Item.LastError);
        Assert.Empty(await f.Outbox.ClaimAsync(Topics, 10, Lease));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Release_WhenStopping_QueuesTheItemAgainWithoutCountingTheAttempt(bool postgres)
    {
        using var f = await OutboxFixture.CreateAsync(postgres);
        await f.Outbox.EnqueueAsync(Topic, "A", 1, "{}");
        var claimed = Assert.Single(await f.Outbox.ClaimAsync(Topics, 10, Lease));

        Assert.True(await f.Outbox.ReleaseAsync(claimed));

        var again = Assert.Single(await f.Outbox.ClaimAsync(Topics, 10, Lease));
        Assert.Equal(1, again.Attempts);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GetBacklog_PendingAndDeadItems_CountsThemAndDatesTheOldestPending(bool postgres)
    {
        using var f = await OutboxFixture.CreateAsync(postgres);
        Assert.Equal(new(0, 0, null), await f.Outbox.GetBacklogAsync(Topics));

        var start = f.Time.GetUtcNow();
        await f.Outbox.EnqueueAsync(Topic, "A", 1, "{}");
        f.Time.Advance(TimeSpan.FromMinutes(1));
        await f.Outbox.EnqueueAsync(Topic, "B", 1, "{}");
        await f.Outbox.EnqueueAsync(Topic, "C", 1, "{}");
        await f.Outbox.EnqueueAsync("other.topic", "D", 1, "{}");
        var claimed = await f.Outbox.ClaimAsync(Topics, 10, Lease);
        await f.Outbox.MarkFailedAsync(claimed.Single(i => i.Key == "B"), "rejected", permanent: true);
        await f.Outbox.MarkDeliveredAsync(claimed.Single(i => i.Key == "C"));

        var backlog = await f.Outbox.GetBacklogAsync(Topics);

        Assert.Equal(1, backlog.Pending);
        Assert.Equal(1, backlog.Dead);
        Assert.Equal(start, backlog.OldestPendingAt);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Enqueue_WithTheCallersOwnWrite_BothCommittedOrNeither(bool postgres)
    {
        using var f = await OutboxFixture.CreateAsync(postgres);
        await using (var connection = await f.Db.OpenAsync())
        {
            await connection.ExecuteAsync("CREATE TABLE marks (mark TEXT PRIMARY KEY)");
        }

        async Task EnqueueAsync(string key, string mark, bool commit)
        {
            await using var connection = await f.Db.OpenAsync();
            await using var tx = await f.Db.BeginWriteAsync(connection);
            var write = new StoreCommand("INSERT INTO marks (mark) VALUES (@mark)").With("mark", DbType.String, mark);
            await f.Outbox.EnqueueAsync(connection, tx, Topic, key, 1, "{}", write);
            if (commit)
            {
                await tx.CommitAsync();
            }
        }

        await EnqueueAsync("A", "a", commit: true);
        await EnqueueAsync("A", "a again", commit: true);
        await EnqueueAsync("B", "b", commit: false);
        // The caller's write fails (the mark exists): the item is not stored either.
        await Assert.ThrowsAnyAsync<DbException>(() => EnqueueAsync("C", "a", commit: true));

        await using var check = await f.Db.OpenAsync();
        Assert.Equal(["a", "a again"], await check.QueryAsync<string>("SELECT mark FROM marks ORDER BY mark"));
        Assert.Single(await f.Outbox.ListByKeyAsync(Topic, "A"));
        Assert.Empty(await f.Outbox.ListByKeyAsync(Topic, "B"));
        Assert.Empty(await f.Outbox.ListByKeyAsync(Topic, "C"));
    }

    private static string Name(OutboxItem item) => $"{item.Key}:{item.Version}";
}
