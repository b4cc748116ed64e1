using System.Security.Cryptography;
using System.Text.Json;
using Integration.Connectors.Payment.Store;
using Integration.Connectors.Payment.Text;
using Integration.Connectors.Payment.VietQr;
using Integration.Connectors.Payment.Vnpay;
using Integration.Core.Hosting;
using Integration.Core.Monitoring;
using Integration.Core.Problems;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Integration.Connectors.Payment;

/// <summary>
/// Creation with idempotency keys (Stripe's and the IETF draft's semantics), status and the QR image.
/// Creation needs no upstream call, so it is: claim the key (an INSERT the primary key refuses to a
/// second request, committed at once so every instance sees it in flight), then write the payment, its
/// event and the completed record naming the payment in ONE transaction. A crash before that commit leaves
/// an in-flight record with no payment, which the same key may take over once its lease ends; after it,
/// the same key finds the payment again and answers with it as it was created.
/// </summary>
internal sealed class PaymentService(
    PaymentStore store,
    IOptions<PaymentOptions> options,
    ConnectorTelemetry telemetry,
    PaymentCreationHooks hooks,
    TimeProvider time,
    ILogger<PaymentService> logger) : IPaymentService
{
    private const string Connector = PaymentServiceCollectionExtensions.ConnectorName;
    private readonly PaymentOptions _options = options.Value;
    private readonly VnpayPayUrl _payUrl = new(options.Value.Vnpay);

    public static string QrImageUrl(string paymentId) => $"/api/v1/payments/{paymentId}/qr.png";

    /// <summary>
    /// Payment ids are 32 hex digits (a version-7 GUID): anything else names no payment and is not looked up, so a
    /// path like <c>%00</c> never reaches the store (PostgreSQL refuses NUL in text with an error, not a miss).
    /// </summary>
    private static bool IsPaymentId(string id) => id.Length == 32 && id.All(char.IsAsciiHexDigit);

    public async Task<Result<PaymentCreation, PaymentError>> CreateAsync(string client, string? idempotencyKey, CreatePaymentRequest? request, CancellationToken cancellationToken)
    {
        if (PaymentRequestValidator.CheckKey(idempotencyKey) is { } invalidKey)
        {
            return invalidKey;
        }

        var valid = PaymentRequestValidator.Validate(request, _options.MaxAmount);
        if (!valid.Succeeded)
        {
            return valid.Error;
        }

        var fingerprint = Convert.ToHexStringLower(SHA256.HashData(
            JsonSerializer.SerializeToUtf8Bytes(request!, PaymentJsonContext.Default.CreatePaymentRequest)));
        return await telemetry.TrackAsync(Connector, "create", ct => CreateOnceAsync(client, idempotencyKey!, fingerprint, valid.Value, ct), cancellationToken);
    }

    private async Task<Result<PaymentCreation, PaymentError>> CreateOnceAsync(string client, string key, string fingerprint, ValidPaymentRequest request, CancellationToken ct)
    {
        var owner = Guid.NewGuid().ToString("N");
        var lease = (long)_options.Idempotency.InFlightLease.TotalMilliseconds;
        for (var attempt = 0; ; attempt++)
        {
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            if (await store.TryClaimAsync(client, key, fingerprint, owner, now, now + lease, ct))
            {
                break;
            }

            var existing = await store.GetIdempotencyAsync(client, key, ct);
            if (existing is null)
            {
                // Deleted by the retention cleanup between the INSERT and the SELECT: claim again.
                if (attempt < 3)
                {
                    continue;
                }

                return Refuse(InFlight(1000));
            }

            if (await AnswerAsync(existing, fingerprint, now, ct) is { } answer)
            {
                return answer;
            }

            if (await store.TryTakeOverAsync(client, key, fingerprint, owner, now, now + lease, ct))
            {
                Log.TookOver(logger, client);
                break;
            }

            existing = await store.GetIdempotencyAsync(client, key, ct);
            if (existing is not null && await AnswerAsync(existing, fingerprint, now, ct) is { } later)
            {
                return later;
            }

            return Refuse(InFlight(lease));
        }

        // The key is ours: finish even if the caller goes away, so it does not wait for the lease to run out.
        CreationOutcome outcome;
        PaymentRow payment;
        try
        {
            await hooks.AfterClaim(CancellationToken.None);
            payment = NewPayment(client, key, request);
            outcome = await store.TryCompleteCreationAsync(payment, owner, CancellationToken.None);
        }
        catch (Exception)
        {
            // Nothing was written (a completed record is never released): a retry need not wait for the lease.
            await TryReleaseAsync(client, key, owner);
            throw;
        }

        switch (outcome)
        {
            case CreationOutcome.Completed:
                Log.PaymentCreated(logger, payment.Id, payment.Method, payment.Amount, payment.Reference);
                return new PaymentCreation(AsCreated(payment), Replayed: false);
            case CreationOutcome.KeyHoldsAnOlderPayment:
                // The key's record was deleted after its retention, but the payment it made is still there: one key, one payment.
                await TryReleaseAsync(client, key, owner);
                return Refuse(new PaymentError.IdempotencyKeyReused(PastRetention: true));
        }

        // Our lease ran out and another request took the key over: its payment, or 409 while it runs.
        var record = await store.GetIdempotencyAsync(client, key, CancellationToken.None);
        var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (record is not null && await AnswerAsync(record, fingerprint, nowMs, CancellationToken.None) is { } theirs)
        {
            return theirs;
        }

        return Refuse(InFlight(lease));
    }

    /// <summary>Best effort: when even this fails, the lease ends on its own.</summary>
    private async Task TryReleaseAsync(string client, string key, string owner)
    {
        try
        {
            await store.ReleaseClaimAsync(client, key, owner, CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.ReleaseFailed(logger, ex.GetType().Name);
        }
    }

    /// <summary>What an existing record answers: its payment, 422 for another body, 409 while in flight; null when the in-flight lease has run out.</summary>
    private async Task<Result<PaymentCreation, PaymentError>?> AnswerAsync(IdempotencyRow existing, string fingerprint, long now, CancellationToken ct)
    {
        if (!string.Equals(existing.RequestHash, fingerprint, StringComparison.Ordinal))
        {
            return Refuse(new PaymentError.IdempotencyKeyReused(PastRetention: false));
        }

        if (existing.State == IdempotencyRow.Completed)
        {
            // The record and its payment are committed together and payments are never deleted.
            var payment = await store.GetAsync(existing.PaymentId ?? "", ct)
                ?? throw new InvalidOperationException("A completed idempotency record names no stored payment.");
            Log.Replayed(logger, existing.Client, payment.Id);
            return new PaymentCreation(AsCreated(payment), Replayed: true);
        }

        if (existing.LeaseUntil > now)
        {
            return Refuse(InFlight(existing.LeaseUntil - now));
        }

        return null;
    }

    private static PaymentError.IdempotencyKeyInFlight InFlight(long waitMs) =>
        new(TimeSpan.FromMilliseconds(Math.Max(waitMs, 1000)));

    /// <summary>The operation's monitoring row records the refusal, as it does a rejected request.</summary>
    private static PaymentError Refuse(PaymentError error)
    {
        ConnectorCall.Current?.Reject(error.Code);
        return error;
    }

    /// <summary>The payment as its creation answered it: it is created <c>pending</c>, whatever happened to it since.</summary>
    private static PaymentCreated AsCreated(PaymentRow p) => new(
        p.Id, p.Reference, PaymentStatuses.Pending, p.Method, p.Amount, p.RedirectUrl,
        p.QrPayload is null ? null : new PaymentQr(p.QrPayload, QrImageUrl(p.Id)),
        PaymentTime.ToVietnam(p.ExpiresAt));

    private PaymentRow NewPayment(string client, string key, ValidPaymentRequest r)
    {
        var now = time.GetUtcNow();
        var reference = PaymentReference.New();
        var vnpay = r.Method == PaymentMethods.Vnpay;
        var expires = now + (vnpay ? _options.Vnpay.PaymentTimeout : _options.VietQr.PaymentTimeout);
        var orderInfo = AsciiText.WithoutDiacritics(r.Description, 255);
        if (orderInfo.Length == 0)
        {
            orderInfo = "Thanh toan phi " + r.FeeCode + " ho so " + r.DossierCode;
        }

        string? createDate = vnpay ? VietnamTime.Format14(now) : null;
        return new PaymentRow
        {
            Id = Guid.CreateVersion7(now).ToString("N"),
            Reference = reference,
            Client = client,
            IdempotencyKey = key,
            Method = r.Method,
            Status = PaymentStatuses.Pending,
            Amount = r.Amount,
            DossierCode = r.DossierCode,
            FeeCode = r.FeeCode,
            Description = r.Description,
            OrderInfo = orderInfo,
            PayerName = r.PayerName,
            PayerPhone = r.PayerPhone,
            PayerEmail = r.PayerEmail,
            ReturnUrl = r.ReturnUrl,
            RedirectUrl = vnpay ? _payUrl.For(r, reference, orderInfo, createDate!, VietnamTime.Format14(expires)) : null,
            QrPayload = vnpay ? null : VietQrCode.ForPayment(_options.VietQr.BankBin, _options.VietQr.AccountNumber, r.Amount, reference).Build(),
            ProviderCreateDate = createDate,
            CreatedAt = now.ToUnixTimeMilliseconds(),
            ExpiresAt = expires.ToUnixTimeMilliseconds(),
            UpdatedAt = now.ToUnixTimeMilliseconds(),
        };
    }

    public async Task<Result<PaymentView, PaymentError>> GetAsync(string client, string paymentId, CancellationToken cancellationToken)
    {
        if (await FindAsync(client, paymentId, cancellationToken) is not { } payment)
        {
            return new PaymentError.PaymentNotFound();
        }

        var events = await store.GetEventsAsync(payment.Id, cancellationToken);
        return new PaymentView(
            payment.Id, payment.Reference, payment.Status, payment.Method, payment.Amount, payment.DossierCode, payment.FeeCode,
            payment.Description, PaymentTime.ToVietnam(payment.CreatedAt), PaymentTime.ToVietnam(payment.ExpiresAt),
            payment.PaidAt is { } paid ? PaymentTime.ToVietnam(paid) : null,
            payment.ProviderTransactionNo, payment.BankCode, payment.FailureCode, payment.RedirectUrl,
            payment.QrPayload is null ? null : new PaymentQr(payment.QrPayload, QrImageUrl(payment.Id)),
            events.Select(e => new PaymentEventView(PaymentTime.ToVietnam(e.At), e.FromStatus, e.ToStatus, e.Source, e.Detail)).ToList());
    }

    public async Task<Result<byte[], PaymentError>> GetQrPngAsync(string client, string paymentId, CancellationToken cancellationToken) =>
        await FindAsync(client, paymentId, cancellationToken) switch
        {
            null => new PaymentError.PaymentNotFound(),
            { QrPayload: null } => new PaymentError.NotVietQr(),
            { QrPayload: { } payload } => QrPng.Render(payload),
        };

    /// <summary>The client's payment with this id; null for another client's, as for one that does not exist.</summary>
    private async Task<PaymentRow?> FindAsync(string client, string paymentId, CancellationToken ct)
    {
        var payment = IsPaymentId(paymentId) ? await store.GetAsync(paymentId, ct) : null;
        return payment?.Client == client ? payment : null;
    }
}
