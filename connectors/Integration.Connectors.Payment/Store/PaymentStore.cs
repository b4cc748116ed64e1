using System.Data.Common;
using Dapper;
using Integration.Core.Indicators;
using Integration.Core.Store;

namespace Integration.Connectors.Payment.Store;

/// <summary>
/// Payments, their events, idempotency records and bank notices in the gateway store (SQLite or
/// PostgreSQL through Dapper). Every status change is a conditional UPDATE from <c>pending</c> plus an
/// event row in one transaction, so two instances (or an IPN racing the reconciliation job) never both
/// apply one.
/// </summary>
internal sealed class PaymentStore(GatewayStore store, IIndicatorFeed indicators)
{
    public const string Pending = "pending";
    public const string Paid = "paid";
    public const string Failed = "failed";
    public const string Expired = "expired";

    /// <summary>Claims an idempotency key: an INSERT that the (client, key) primary key refuses when another request holds it.</summary>
    public async Task<bool> TryClaimAsync(string client, string key, string requestHash, string owner, long now, long leaseUntil, CancellationToken ct)
    {
        await using var connection = await store.OpenAsync(ct);
        var inserted = await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO idempotency_records (client, idem_key, request_hash, state, owner, lease_until, created_at)
            VALUES (@client, @key, @requestHash, @state, @owner, @leaseUntil, @now)
            ON CONFLICT (client, idem_key) DO NOTHING
            """,
            new { client, key, requestHash, state = IdempotencyRow.InFlight, owner, leaseUntil, now },
            cancellationToken: ct));
        return inserted == 1;
    }

    /// <summary>Takes over a key whose holder's lease ran out without finishing (it crashed): no payment exists for it.</summary>
    public async Task<bool> TryTakeOverAsync(string client, string key, string requestHash, string owner, long now, long leaseUntil, CancellationToken ct)
    {
        await using var connection = await store.OpenAsync(ct);
        var updated = await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE idempotency_records SET owner = @owner, lease_until = @leaseUntil
            WHERE client = @client AND idem_key = @key AND state = @state AND lease_until <= @now AND request_hash = @requestHash
            """,
            new { client, key, requestHash, state = IdempotencyRow.InFlight, owner, leaseUntil, now },
            cancellationToken: ct));
        return updated == 1;
    }

    /// <summary>Gives up a claim that failed before anything was written (only while still held by <paramref name="owner"/> and in flight).</summary>
    public async Task ReleaseClaimAsync(string client, string key, string owner, CancellationToken ct)
    {
        await using var connection = await store.OpenAsync(ct);
        await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM idempotency_records WHERE client = @client AND idem_key = @key AND owner = @owner AND state = @state",
            new { client, key, owner, state = IdempotencyRow.InFlight },
            cancellationToken: ct));
    }

    public async Task<IdempotencyRow?> GetIdempotencyAsync(string client, string key, CancellationToken ct)
    {
        await using var connection = await store.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<IdempotencyRow>(new CommandDefinition(
            """
            SELECT client AS Client, idem_key AS Key, request_hash AS RequestHash, state AS State, owner AS Owner,
                   lease_until AS LeaseUntil, payment_id AS PaymentId, created_at AS CreatedAt
            FROM idempotency_records WHERE client = @client AND idem_key = @key
            """,
            new { client, key },
            cancellationToken: ct));
    }

    /// <summary>
    /// Writes the payment, its first event and the completed idempotency record (naming the payment) in one
    /// transaction, only while <paramref name="owner"/> still holds the key and no payment holds the same
    /// (client, key) (the unique index; the record of an older one may have been deleted after its retention). A
    /// crash before the commit leaves no payment; after it, the key finds the payment again.
    /// </summary>
    public async Task<CreationOutcome> TryCompleteCreationAsync(PaymentRow payment, string owner, CancellationToken ct)
    {
        await using var connection = await store.OpenAsync(ct);
        await using var tx = await store.BeginWriteAsync(connection, ct);
        var completed = await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE idempotency_records
            SET state = @completed, payment_id = @paymentId, completed_at = @now, lease_until = @now
            WHERE client = @client AND idem_key = @key AND owner = @owner AND state = @inFlight
            """,
            new
            {
                completed = IdempotencyRow.Completed,
                inFlight = IdempotencyRow.InFlight,
                paymentId = payment.Id,
                now = payment.CreatedAt,
                client = payment.Client,
                key = payment.IdempotencyKey,
                owner,
            },
            tx,
            cancellationToken: ct));
        if (completed != 1)
        {
            await tx.RollbackAsync(ct);
            return CreationOutcome.ClaimLost;
        }

        var inserted = await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO payments (id, reference, client, idempotency_key, method, status, amount, dossier_code, fee_code, description,
                order_info, payer_name, payer_phone, payer_email, return_url, redirect_url, qr_payload, provider_create_date,
                created_at, expires_at, updated_at, paid_at, provider_transaction_no, bank_code, failure_code)
            VALUES (@Id, @Reference, @Client, @IdempotencyKey, @Method, @Status, @Amount, @DossierCode, @FeeCode, @Description,
                @OrderInfo, @PayerName, @PayerPhone, @PayerEmail, @ReturnUrl, @RedirectUrl, @QrPayload, @ProviderCreateDate,
                @CreatedAt, @ExpiresAt, @UpdatedAt, @PaidAt, @ProviderTransactionNo, @BankCode, @FailureCode)
            ON CONFLICT (client, idempotency_key) DO NOTHING
            """,
            payment,
            tx,
            cancellationToken: ct));
        if (inserted != 1)
        {
            await tx.RollbackAsync(ct);
            return CreationOutcome.KeyHoldsAnOlderPayment;
        }

        await InsertEventAsync(connection, tx, payment.Id, payment.CreatedAt, null, payment.Status, "created", null, ct);
        await tx.CommitAsync(ct);
        return CreationOutcome.Completed;
    }

    /// <summary>Deletes idempotency records created before <paramref name="cutoff"/> (Unix ms); newer ones stay.</summary>
    public async Task<int> DeleteIdempotencyRecordsBeforeAsync(long cutoff, CancellationToken ct)
    {
        await using var connection = await store.OpenAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(
            "DELETE FROM idempotency_records WHERE created_at < @cutoff", new { cutoff }, cancellationToken: ct));
    }

    public async Task<PaymentRow?> GetAsync(string id, CancellationToken ct)
    {
        await using var connection = await store.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<PaymentRow>(new CommandDefinition(
            $"SELECT {PaymentRow.Columns} FROM payments WHERE id = @id", new { id }, cancellationToken: ct));
    }

    public async Task<PaymentRow?> GetByReferenceAsync(string reference, CancellationToken ct)
    {
        await using var connection = await store.OpenAsync(ct);
        return await connection.QuerySingleOrDefaultAsync<PaymentRow>(new CommandDefinition(
            $"SELECT {PaymentRow.Columns} FROM payments WHERE reference = @reference", new { reference }, cancellationToken: ct));
    }

    public async Task<IReadOnlyList<PaymentEventRow>> GetEventsAsync(string paymentId, CancellationToken ct)
    {
        await using var connection = await store.OpenAsync(ct);
        var rows = await connection.QueryAsync<PaymentEventRow>(new CommandDefinition(
            """
            SELECT id AS Id, payment_id AS PaymentId, at AS At, from_status AS FromStatus, to_status AS ToStatus, source AS Source, detail AS Detail
            FROM payment_events WHERE payment_id = @paymentId
            ORDER BY at, CASE WHEN from_status IS NULL THEN 0 ELSE 1 END, id
            """,
            new { paymentId },
            cancellationToken: ct));
        return rows.AsList();
    }

    /// <summary>Pending VNPAY payments created at or before <paramref name="createdBefore"/>, oldest first.</summary>
    public async Task<IReadOnlyList<PaymentRow>> ListPendingVnpayAsync(long createdBefore, int limit, CancellationToken ct)
    {
        await using var connection = await store.OpenAsync(ct);
        var rows = await connection.QueryAsync<PaymentRow>(new CommandDefinition(
            $"""
            SELECT {PaymentRow.Columns} FROM payments
            WHERE status = @pending AND method = 'vnpay' AND created_at <= @createdBefore
            ORDER BY created_at, id LIMIT @limit
            """,
            new { pending = Pending, createdBefore, limit = (long)limit },
            cancellationToken: ct));
        return rows.AsList();
    }

    /// <summary>Pending payments whose expiry is at or before <paramref name="now"/>.</summary>
    public async Task<IReadOnlyList<PaymentRow>> ListOverdueAsync(long now, int limit, CancellationToken ct)
    {
        await using var connection = await store.OpenAsync(ct);
        var rows = await connection.QueryAsync<PaymentRow>(new CommandDefinition(
            $"""
            SELECT {PaymentRow.Columns} FROM payments
            WHERE status = @pending AND expires_at <= @now
            ORDER BY expires_at, id LIMIT @limit
            """,
            new { pending = Pending, now, limit = (long)limit },
            cancellationToken: ct));
        return rows.AsList();
    }

    /// <summary>Moves a payment out of <c>pending</c> and records the event; false (and no change) when it is no longer pending.</summary>
    public async Task<bool> TrySettleAsync(string paymentId, PaymentSettlement settlement, long now, CancellationToken ct)
    {
        await using var connection = await store.OpenAsync(ct);
        await using var tx = await store.BeginWriteAsync(connection, ct);
        var settled = await SettleAsync(connection, tx, paymentId, settlement, now, ct);
        if (!settled)
        {
            await tx.RollbackAsync(ct);
            return false;
        }

        await tx.CommitAsync(ct);
        return true;
    }

    /// <summary>
    /// Records a bank notice and applies it in one transaction. A <c>transactionId</c> already recorded
    /// changes nothing: the earlier row is returned with <c>Duplicate</c> set.
    /// </summary>
    public async Task<(BankNoticeRow Notice, bool Duplicate)> RecordBankNoticeAsync(
        BankNoticeRow notice,
        IReadOnlyList<string> references,
        Func<PaymentRow?, (string Outcome, bool Flagged, PaymentSettlement? Settlement)> decide,
        long now,
        CancellationToken ct)
    {
        await using var connection = await store.OpenAsync(ct);
        await using var tx = await store.BeginWriteAsync(connection, ct);
        var inserted = await connection.ExecuteAsync(new CommandDefinition(
            InsertNotice,
            notice,
            tx,
            cancellationToken: ct));
        if (inserted != 1)
        {
            await tx.RollbackAsync(ct);
            var existing = await connection.QuerySingleAsync<BankNoticeRow>(new CommandDefinition(
                $"SELECT {BankNoticeRow.Columns} FROM bank_notices WHERE transaction_id = @id", new { id = notice.TransactionId }, cancellationToken: ct));
            return (existing, true);
        }

        PaymentRow? payment = null;
        if (references.Count > 0)
        {
            payment = await connection.QueryFirstOrDefaultAsync<PaymentRow>(new CommandDefinition(
                $"SELECT {PaymentRow.Columns} FROM payments WHERE {store.AnyOf("reference", "references")} ORDER BY created_at",
                new { references = references.ToArray() },
                tx,
                cancellationToken: ct));
        }

        var (outcome, flagged, settlement) = decide(payment);
        if (settlement is not null && !await SettleAsync(connection, tx, payment!.Id, settlement, now, ct))
        {
            // Settled by someone else between the read and the update: the money is still here, an operator decides.
            (outcome, flagged) = ("not_pending", true);
        }

        notice.Outcome = outcome;
        notice.Flagged = flagged ? 1 : 0;
        notice.PaymentId = payment?.Id;
        notice.Reference = payment?.Reference;
        notice.ExpectedAmount = payment?.Amount;
        await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE bank_notices SET outcome = @Outcome, flagged = @Flagged, payment_id = @PaymentId, reference = @Reference,
                expected_amount = @ExpectedAmount
            WHERE transaction_id = @TransactionId
            """,
            notice,
            tx,
            cancellationToken: ct));
        await tx.CommitAsync(ct);
        return (notice, false);
    }

    /// <summary>
    /// Keeps money that another source reported (VNPAY's IPN for a payment that can no longer take it) for an
    /// operator, once per transaction id: false when that transaction was already recorded.
    /// </summary>
    public async Task<bool> RecordMoneyReportAsync(BankNoticeRow report, CancellationToken ct)
    {
        await using var connection = await store.OpenAsync(ct);
        return await connection.ExecuteAsync(new CommandDefinition(InsertNotice, report, cancellationToken: ct)) == 1;
    }

    public async Task<IReadOnlyList<BankNoticeRow>> ListFlaggedNoticesAsync(int limit, CancellationToken ct)
    {
        await using var connection = await store.OpenAsync(ct);
        var rows = await connection.QueryAsync<BankNoticeRow>(new CommandDefinition(
            $"SELECT {BankNoticeRow.Columns} FROM bank_notices WHERE flagged = 1 ORDER BY received_at DESC, transaction_id LIMIT @limit",
            new { limit = (long)limit },
            cancellationToken: ct));
        return rows.AsList();
    }

    private const string InsertNotice =
        """
        INSERT INTO bank_notices (transaction_id, received_at, bank_bin, account_number, amount, content, transferred_at,
            reference, payment_id, expected_amount, outcome, flagged, source)
        VALUES (@TransactionId, @ReceivedAt, @BankBin, @AccountNumber, @Amount, @Content, @TransferredAt,
            @Reference, @PaymentId, @ExpectedAmount, @Outcome, @Flagged, @Source)
        ON CONFLICT (transaction_id) DO NOTHING
        """;

    private async Task<bool> SettleAsync(DbConnection connection, DbTransaction tx, string paymentId, PaymentSettlement s, long now, CancellationToken ct)
    {
        var updated = await connection.ExecuteAsync(new CommandDefinition(
            """
            UPDATE payments
            SET status = @To, updated_at = @now,
                provider_transaction_no = COALESCE(@ProviderTransactionNo, provider_transaction_no),
                bank_code = COALESCE(@BankCode, bank_code),
                paid_at = COALESCE(@PaidAt, paid_at),
                failure_code = COALESCE(@FailureCode, failure_code)
            WHERE id = @paymentId AND status = @pending
            """,
            new { s.To, now, s.ProviderTransactionNo, s.BankCode, s.PaidAt, s.FailureCode, paymentId, pending = Pending },
            tx,
            cancellationToken: ct));
        if (updated != 1)
        {
            return false;
        }

        await InsertEventAsync(connection, tx, paymentId, now, Pending, s.To, s.Source, s.Detail, ct);
        if (s.To == Paid)
        {
            var paid = await connection.QuerySingleAsync<PaidRow>(new CommandDefinition(
                "SELECT method AS Method, amount AS Amount, paid_at AS PaidAt, dossier_code AS DossierCode FROM payments WHERE id = @paymentId",
                new { paymentId }, tx, cancellationToken: ct));
            await indicators.PaymentPaidAsync(
                new PaidPaymentFact(paymentId, paid.Method, paid.Amount, DateTimeOffset.FromUnixTimeMilliseconds(paid.PaidAt ?? now), paid.DossierCode), tx, ct);
        }

        return true;
    }

    private sealed record PaidRow(string Method, long Amount, long? PaidAt, string DossierCode);

    private static Task InsertEventAsync(
        DbConnection connection, DbTransaction tx, string paymentId, long at, string? from, string to, string source, string? detail, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO payment_events (id, payment_id, at, from_status, to_status, source, detail)
            VALUES (@id, @paymentId, @at, @from, @to, @source, @detail)
            """,
            new { id = Guid.CreateVersion7(DateTimeOffset.FromUnixTimeMilliseconds(at)).ToString("N"), paymentId, at, from, to, source, detail },
            tx,
            cancellationToken: ct));
}
