using Dapper;
using Integration.Connectors.Payment.Store;
using Integration.Core.Store;
using Integration.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Integration.Connectors.Payment.Tests;

public sealed class PaymentStoreTests
{
    private static (GatewayFactory Factory, PaymentStore Store) Start(bool postgres)
    {
        var factory = new GatewayFactory(new GatewayFactoryOptions { Postgres = postgres });
        factory.CreateClient(GatewayFactory.DeskKey).Dispose(); // starts the host: migrations applied
        return (factory, factory.Services.GetRequiredService<PaymentStore>());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TrySettle_OnlyFromPending_OneEventPerTransition(bool postgres)
    {
        var (factory, store) = Start(postgres);
        using var _ = factory;
        var payment = await PaymentTestKit.SeedPaymentAsync(factory, "GW00000000000A", "vnpay", 10_000, DateTimeOffset.UnixEpoch.AddYears(56), TimeSpan.FromMinutes(15));

        var paid = await store.TrySettleAsync(payment.Id, new PaymentSettlement("paid", "vnpay_ipn", "x", "14000001", "NCB", 1_800_000_000_000), 1_800_000_000_000, default);
        var failedAfterPaid = await store.TrySettleAsync(payment.Id, new PaymentSettlement("failed", "querydr", "y", FailureCode: "02"), 1_800_000_000_001, default);
        var expiredAfterPaid = await store.TrySettleAsync(payment.Id, new PaymentSettlement("expired", "expiry", null), 1_800_000_000_002, default);

        Assert.True(paid);
        Assert.False(failedAfterPaid);
        Assert.False(expiredAfterPaid);
        var row = await store.GetAsync(payment.Id, default);
        Assert.Equal(("paid", "14000001", "NCB", (long?)1_800_000_000_000, (string?)null), (row!.Status, row.ProviderTransactionNo, row.BankCode, row.PaidAt, row.FailureCode));
        var events = await store.GetEventsAsync(payment.Id, default);
        Assert.Equal([(null, "pending"), ("pending", "paid")], events.Select(e => (e.FromStatus, e.ToStatus)).ToList());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TrySettle_TenConcurrentSettlements_ExactlyOneApplies(bool postgres)
    {
        var (factory, store) = Start(postgres);
        using var _ = factory;
        var payment = await PaymentTestKit.SeedPaymentAsync(factory, "GW00000000000B", "vnpay", 10_000, DateTimeOffset.UnixEpoch.AddYears(56), TimeSpan.FromMinutes(15));

        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Task.Run(() =>
            store.TrySettleAsync(payment.Id, new PaymentSettlement(i % 2 == 0 ? "paid" : "failed", "querydr", i.ToString(System.Globalization.CultureInfo.InvariantCulture)), 1_800_000_000_000 + i, default))));

        Assert.Equal(1, results.Count(r => r));
        Assert.Equal(2, (await store.GetEventsAsync(payment.Id, default)).Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TryClaim_SameClientAndKey_SecondRefused_OtherClientFree(bool postgres)
    {
        var (factory, store) = Start(postgres);
        using var _ = factory;

        var first = await store.TryClaimAsync("client-a", "key-1", "h", "owner-1", 1000, 2000, default);
        var second = await store.TryClaimAsync("client-a", "key-1", "h", "owner-2", 1001, 2001, default);
        var otherClient = await store.TryClaimAsync("client-b", "key-1", "h", "owner-3", 1002, 2002, default);
        var takeOverTooEarly = await store.TryTakeOverAsync("client-a", "key-1", "h", "owner-4", 1999, 3000, default);
        var takeOverOtherBody = await store.TryTakeOverAsync("client-a", "key-1", "other", "owner-5", 2000, 3000, default);
        var takeOver = await store.TryTakeOverAsync("client-a", "key-1", "h", "owner-6", 2000, 3000, default);

        Assert.Equal((true, false, true), (first, second, otherClient));
        Assert.Equal((false, false, true), (takeOverTooEarly, takeOverOtherBody, takeOver));
        Assert.Equal("owner-6", (await store.GetIdempotencyAsync("client-a", "key-1", default))!.Owner);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task DeleteIdempotencyRecordsBefore_DeletesOnlyOlderOnes(bool postgres)
    {
        var (factory, store) = Start(postgres);
        using var _ = factory;
        var day = (long)TimeSpan.FromHours(24).TotalMilliseconds;
        var now = 1_800_000_000_000L;
        await store.TryClaimAsync("c", "older", "h", "o", now - day - 1, now, default);
        await store.TryClaimAsync("c", "exactly-24h", "h", "o", now - day, now, default);
        await store.TryClaimAsync("c", "newer", "h", "o", now - 1, now, default);

        var deleted = await store.DeleteIdempotencyRecordsBeforeAsync(now - day, default);

        Assert.Equal(1, deleted);
        Assert.Null(await store.GetIdempotencyAsync("c", "older", default));
        Assert.NotNull(await store.GetIdempotencyAsync("c", "exactly-24h", default));
        Assert.NotNull(await store.GetIdempotencyAsync("c", "newer", default));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TryCompleteCreation_ClaimLost_NoPaymentWritten(bool postgres)
    {
        var (factory, store) = Start(postgres);
        using var _ = factory;
        await store.TryClaimAsync("c", "k", "h", "owner-1", 1000, 2000, default);
        await store.TryTakeOverAsync("c", "k", "h", "owner-2", 2000, 3000, default);
        var row = new PaymentRow
        {
            Id = "p1", Reference = "GW00000000000C", Client = "c", IdempotencyKey = "k", Method = "vietqr", Status = "pending",
            Amount = 1, DossierCode = "d", FeeCode = "f", Description = "x", OrderInfo = "x", CreatedAt = 2500, ExpiresAt = 9000, UpdatedAt = 2500,
        };

        var lateOriginal = await store.TryCompleteCreationAsync(row, "owner-1", default);
        var newOwner = await store.TryCompleteCreationAsync(row, "owner-2", default);

        Assert.Equal(CreationOutcome.ClaimLost, lateOriginal);
        Assert.Equal(CreationOutcome.Completed, newOwner);
        Assert.Equal(1, await PaymentTestKit.CountPaymentsAsync(factory));
        var record = await store.GetIdempotencyAsync("c", "k", default);
        Assert.Equal(("completed", "p1"), (record!.State, record.PaymentId));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RecordBankNotice_SameTransactionTwiceConcurrently_OneRecordedOneDuplicate(bool postgres)
    {
        var (factory, store) = Start(postgres);
        using var _ = factory;

        var results = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Task.Run(() => store.RecordBankNoticeAsync(
            new BankNoticeRow { TransactionId = "FT-X", ReceivedAt = 1000, Amount = 10, Content = "x", Outcome = "received" },
            [],
            _ => ("unmatched", true, null),
            1000,
            default))));

        Assert.Equal(1, results.Count(r => r.Duplicate));
        Assert.All(results, r => Assert.Equal("unmatched", r.Notice.Outcome));
        var gateway = factory.Services.GetRequiredService<GatewayStore>();
        await using var connection = await gateway.OpenAsync();
        Assert.Equal(1, await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM bank_notices"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RecordBankNotice_SeveralReferencesInContent_FindsThePaymentOfTheKnownOne(bool postgres)
    {
        var (factory, store) = Start(postgres);
        using var _ = factory;
        var payment = await PaymentTestKit.SeedPaymentAsync(factory, "GW00000000000D", "vietqr", 10_000, DateTimeOffset.UnixEpoch.AddYears(56), TimeSpan.FromMinutes(60));
        PaymentRow? seen = null;

        var (notice, duplicate) = await store.RecordBankNoticeAsync(
            new BankNoticeRow { TransactionId = "FT-Y", ReceivedAt = 1000, Amount = 10_000, Content = "x", Outcome = "received" },
            ["GW0000000000ZZ", payment.Reference],
            p =>
            {
                seen = p;
                return ("paid", false, new PaymentSettlement("paid", "bank_notice", "FT-Y", "FT-Y"));
            },
            1000,
            default);

        Assert.False(duplicate);
        Assert.Equal(payment.Id, seen?.Id);
        Assert.Equal((payment.Id, payment.Reference, (long?)10_000), (notice.PaymentId, notice.Reference, notice.ExpectedAmount));
        Assert.Equal("paid", (await store.GetAsync(payment.Id, default))!.Status);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TryCompleteCreation_KeyOfAnOlderPaymentWhoseRecordWasDeleted_NothingWritten(bool postgres)
    {
        var (factory, store) = Start(postgres);
        using var _ = factory;
        var older = await PaymentTestKit.SeedPaymentAsync(factory, "GW00000000000E", "vietqr", 10_000, DateTimeOffset.UnixEpoch.AddYears(56), TimeSpan.FromMinutes(60));
        await store.DeleteIdempotencyRecordsBeforeAsync(long.MaxValue, default);
        Assert.True(await store.TryClaimAsync(PaymentTestKit.ClientName, older.IdempotencyKey, "h", "owner-2", 5000, 9000, default));
        var row = new PaymentRow
        {
            Id = "p2", Reference = "GW00000000000F", Client = PaymentTestKit.ClientName, IdempotencyKey = older.IdempotencyKey, Method = "vietqr",
            Status = "pending", Amount = 1, DossierCode = "d", FeeCode = "f", Description = "x", OrderInfo = "x", CreatedAt = 5000, ExpiresAt = 9000, UpdatedAt = 5000,
        };

        var outcome = await store.TryCompleteCreationAsync(row, "owner-2", default);

        Assert.Equal(CreationOutcome.KeyHoldsAnOlderPayment, outcome);
        Assert.Equal(1, await PaymentTestKit.CountPaymentsAsync(factory));
        Assert.Equal("in_flight", (await store.GetIdempotencyAsync(PaymentTestKit.ClientName, older.IdempotencyKey, default))!.State);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Payments_SecondRowWithTheSameClientAndKey_RefusedByTheStore(bool postgres)
    {
        var (factory, _) = Start(postgres);
        using var __ = factory;
        var gateway = factory.Services.GetRequiredService<GatewayStore>();
        await using var connection = await gateway.OpenAsync();
        await InsertOldStylePaymentAsync(connection, "p1", "GW0000000000G1", "c", "k", 1000);

        var second = await Record.ExceptionAsync(() => InsertOldStylePaymentAsync(connection, "p2", "GW0000000000G2", "c", "k", 2000));
        await InsertOldStylePaymentAsync(connection, "p3", "GW0000000000G3", "other-client", "k", 3000);

        Assert.IsAssignableFrom<System.Data.Common.DbException>(second);
        Assert.Equal(2, await PaymentTestKit.CountPaymentsAsync(factory));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Migrations_StoreFromBeforeWithTwoPaymentsOnOneKey_ApplyAndTheOldestKeepsTheKey(bool postgres)
    {
        var shared = await BothStores.SharedStoreAsync(postgres);
        using (var before = new GatewayFactory(new GatewayFactoryOptions { StoreConnectionString = shared }))
        {
            before.CreateClient(GatewayFactory.DeskKey).Dispose();
            await using var connection = await before.Services.GetRequiredService<GatewayStore>().OpenAsync();
            // Back to the schema of migration 3001 alone, with what it allowed: a later payment on a key whose record was deleted.
            await connection.ExecuteAsync("DROP INDEX ux_payments_client_key");
            await connection.ExecuteAsync("CREATE INDEX ix_payments_client_key ON payments (client, idempotency_key)");
            await connection.ExecuteAsync("ALTER TABLE bank_notices DROP COLUMN source");
            await connection.ExecuteAsync("DELETE FROM schema_migrations WHERE id IN ('3002-payment-unique-idempotency-key', '3003-payment-money-report-source')");
            await InsertOldStylePaymentAsync(connection, "p-old", "GW0000000000H1", "c", "k", 1000);
            await InsertOldStylePaymentAsync(connection, "p-new", "GW0000000000H2", "c", "k", 2000);
            await InsertOldStylePaymentAsync(connection, "p-other", "GW0000000000H3", "c", "k2", 3000);
            await connection.ExecuteAsync(
                "INSERT INTO bank_notices (transaction_id, received_at, amount, content, outcome, flagged) VALUES ('FT-OLD', 1, 10, 'x', 'unmatched', 1)");
        }

        using var after = new GatewayFactory(new GatewayFactoryOptions { StoreConnectionString = shared });
        using var ops = after.CreateClient(GatewayFactory.OpsKey);
        await using var db = await after.Services.GetRequiredService<GatewayStore>().OpenAsync();
        var keys = (await db.QueryAsync<(string Id, string Key)>("SELECT id, idempotency_key FROM payments ORDER BY id")).ToList();

        Assert.Equal([("p-new", "k#p-new"), ("p-old", "k"), ("p-other", "k2")], keys);
        await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => InsertOldStylePaymentAsync(db, "p-4", "GW0000000000H4", "c", "k2", 4000));
        var flagged = System.Text.Json.Nodes.JsonNode.Parse(await ops.GetStringAsync("/api/v1/payments/bank-notices/flagged"))!.AsArray();
        Assert.Equal(("FT-OLD", "bank_notice"), (flagged.Single()!.Str("transactionId"), flagged.Single()!.Str("source")));
    }

    /// <summary>A payment row written with SQL only (as any version of the schema takes it).</summary>
    private static Task InsertOldStylePaymentAsync(System.Data.Common.DbConnection connection, string id, string reference, string client, string key, long at) =>
        connection.ExecuteAsync(
            """
            INSERT INTO payments (id, reference, client, idempotency_key, method, status, amount, dossier_code, fee_code, description,
                order_info, created_at, expires_at, updated_at)
            VALUES (@id, @reference, @client, @key, 'vietqr', 'pending', 10000, 'd', 'f', 'x', 'x', @at, @at, @at)
            """,
            new { id, reference, client, key, at });
}
