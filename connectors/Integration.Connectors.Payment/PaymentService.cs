using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Integration.Connectors.Payment.BankNotices;
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
/// Creation with idempotency keys (Stripe's and the IETF draft's semantics), status, callbacks.
/// Creation needs no upstream call, so it is: claim the key (an INSERT the primary key refuses to a
/// second request, committed at once so every instance sees it in flight), then write the payment, its
/// event and the completed record with the answer in ONE transaction. A crash before that commit leaves
/// an in-flight record with no payment, which the same key may take over once its lease ends; after it,
/// the same key finds the payment again.
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
    private readonly VnpaySigner _vnpay = new(options.Value.Vnpay.HashSecret);
    private readonly BankNoticeSignature _bankSignature = new(options.Value.BankNotices.Secret);

    public static string QrImageUrl(string paymentId) => $"/api/v1/payments/{paymentId}/qr.png";

    /// <summary>
    /// Payment ids are 32 hex digits (a version-7 GUID): anything else names no payment and is not looked up, so a
    /// path like <c>%00</c> never reaches the store (PostgreSQL refuses NUL in text with an error, not a miss).
    /// </summary>
    private static bool IsPaymentId(string id) => id.Length == 32 && id.All(char.IsAsciiHexDigit);

    public async Task<PaymentCreation> CreateAsync(string client, string? idempotencyKey, CreatePaymentRequest? request, CancellationToken cancellationToken)
    {
        var key = PaymentRequestValidator.ValidateKey(idempotencyKey);
        var valid = PaymentRequestValidator.Validate(request, _options.MaxAmount);
        var fingerprint = Convert.ToHexStringLower(SHA256.HashData(
            JsonSerializer.SerializeToUtf8Bytes(request!, PaymentJsonContext.Default.CreatePaymentRequest)));
        return await telemetry.TrackAsync(Connector, "create", ct => CreateOnceAsync(client, key, fingerprint, valid, ct), cancellationToken);
    }

    private async Task<PaymentCreation> CreateOnceAsync(string client, string key, string fingerprint, ValidPaymentRequest request, CancellationToken ct)
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

                throw InFlight(TimeSpan.FromSeconds(1));
            }

            if (Answer(existing, fingerprint, now) is { } answer)
            {
                Log.Replayed(logger, client, answer.PaymentId);
                return answer;
            }

            if (await store.TryTakeOverAsync(client, key, fingerprint, owner, now, now + lease, ct))
            {
                Log.TookOver(logger, client);
                break;
            }

            existing = await store.GetIdempotencyAsync(client, key, ct);
            if (existing is not null && Answer(existing, fingerprint, now) is { } later)
            {
                return later;
            }

            throw InFlight(TimeSpan.FromMilliseconds(lease));
        }

        // The key is ours: finish even if the caller goes away, so it does not wait for the lease to run out.
        CreationOutcome outcome;
        PaymentRow payment;
        string body;
        try
        {
            await hooks.AfterClaim(CancellationToken.None);
            (payment, body) = NewPayment(client, key, request);
            outcome = await store.TryCompleteCreationAsync(payment, owner, 201, body, CancellationToken.None);
        }
        catch (Exception)
        {
            // Nothing was written (a completed record is never released): a retry need not wait for the lease.
            await TryReleaseAsync(client, key, owner);
            throw;
        }

        if (outcome == CreationOutcome.Completed)
        {
            Log.PaymentCreated(logger, payment.Id, payment.Method, payment.Amount, payment.Reference);
            return new PaymentCreation(201, body, payment.Id, Replayed: false);
        }

        if (outcome == CreationOutcome.KeyHoldsAnOlderPayment)
        {
            // The key's record was deleted after its retention, but the payment it made is still there: one key, one payment.
            await TryReleaseAsync(client, key, owner);
            throw new GatewayProblemException(422, ProblemCodes.IdempotencyKeyReused, "This Idempotency-Key already made a payment.",
                "Its stored answer is past the retention period, so it can no longer be replayed: send a new key for a new payment.");
        }

        // Our lease ran out and another request took the key over: its answer, or 409 while it runs.
        var record = await store.GetIdempotencyAsync(client, key, CancellationToken.None);
        var nowMs = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (record is not null && Answer(record, fingerprint, nowMs) is { } theirs)
        {
            return theirs;
        }

        throw InFlight(TimeSpan.FromMilliseconds(lease));
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

    /// <summary>The stored answer, 422 for another body, 409 while in flight; null when the in-flight lease has run out.</summary>
    private static PaymentCreation? Answer(IdempotencyRow existing, string fingerprint, long now)
    {
        if (!string.Equals(existing.RequestHash, fingerprint, StringComparison.Ordinal))
        {
            throw new GatewayProblemException(422, ProblemCodes.IdempotencyKeyReused, "This Idempotency-Key was used with another request.",
                "An Idempotency-Key names one request: send the same body to retry it, or a new key for a new payment.");
        }

        if (existing.State == IdempotencyRow.Completed)
        {
            return new PaymentCreation((int)(existing.ResponseStatus ?? 201), existing.ResponseBody ?? "", existing.PaymentId ?? "", Replayed: true);
        }

        if (existing.LeaseUntil > now)
        {
            throw InFlight(TimeSpan.FromMilliseconds(existing.LeaseUntil - now));
        }

        return null;
    }

    private static GatewayProblemException InFlight(TimeSpan retryAfter) =>
        new(409, ProblemCodes.IdempotencyKeyInFlight, "A request with this Idempotency-Key is still being processed.",
            "Retry after the time in Retry-After to get its answer.")
        {
            RetryAfter = retryAfter < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : retryAfter,
        };

    private (PaymentRow Payment, string Body) NewPayment(string client, string key, ValidPaymentRequest r)
    {
        var now = time.GetUtcNow();
        var id = Guid.CreateVersion7(now).ToString("N");
        var reference = PaymentReference.New();
        var vnpay = r.Method == PaymentMethods.Vnpay;
        var expires = now + (vnpay ? _options.Vnpay.PaymentTimeout : _options.VietQr.PaymentTimeout);
        var orderInfo = AsciiText.WithoutDiacritics(r.Description, 255);
        if (orderInfo.Length == 0)
        {
            orderInfo = "Thanh toan phi " + r.FeeCode + " ho so " + r.DossierCode;
        }

        string? redirectUrl = null, qrPayload = null, createDate = null;
        if (vnpay)
        {
            createDate = VietnamTime.Format14(now);
            redirectUrl = _vnpay.SignedUrl(_options.Vnpay.PayUrl, PayParameters(r, reference, orderInfo, createDate, VietnamTime.Format14(expires)));
        }
        else
        {
            qrPayload = VietQrCode.ForPayment(_options.VietQr.BankBin, _options.VietQr.AccountNumber, r.Amount, reference).Build();
        }

        var payment = new PaymentRow
        {
            Id = id,
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
            RedirectUrl = redirectUrl,
            QrPayload = qrPayload,
            ProviderCreateDate = createDate,
            CreatedAt = now.ToUnixTimeMilliseconds(),
            ExpiresAt = expires.ToUnixTimeMilliseconds(),
            UpdatedAt = now.ToUnixTimeMilliseconds(),
        };
        var created = new PaymentCreated(
            id, reference, payment.Status, payment.Method, payment.Amount, redirectUrl,
            qrPayload is null ? null : new PaymentQr(qrPayload, QrImageUrl(id)),
            ToVietnam(payment.ExpiresAt));
        return (payment, JsonSerializer.Serialize(created, PaymentJsonContext.Default.PaymentCreated));
    }

    /// <summary>The <c>vnp_*</c> parameters of a pay URL (VNPAY 2.1.0; docs/domain.md, "VNPAY"), before signing.</summary>
    private Dictionary<string, string?> PayParameters(ValidPaymentRequest r, string reference, string orderInfo, string createDate, string expireDate) => new()
    {
        ["vnp_Version"] = VnpayClient.Version,
        ["vnp_Command"] = "pay",
        ["vnp_TmnCode"] = _options.Vnpay.TmnCode,
        ["vnp_Amount"] = (r.Amount * 100).ToString(CultureInfo.InvariantCulture),
        ["vnp_CreateDate"] = createDate,
        ["vnp_ExpireDate"] = expireDate,
        ["vnp_CurrCode"] = "VND",
        ["vnp_IpAddr"] = r.PayerIpAddress ?? _options.Vnpay.ServerIpAddress,
        ["vnp_Locale"] = _options.Vnpay.Locale,
        ["vnp_OrderInfo"] = orderInfo,
        ["vnp_OrderType"] = _options.Vnpay.OrderType,
        ["vnp_ReturnUrl"] = r.ReturnUrl,
        ["vnp_TxnRef"] = reference,
    };

    public async Task<PaymentView?> GetAsync(string client, string paymentId, CancellationToken cancellationToken)
    {
        var payment = IsPaymentId(paymentId) ? await store.GetAsync(paymentId, cancellationToken) : null;
        if (payment is null || payment.Client != client)
        {
            return null;
        }

        var events = await store.GetEventsAsync(payment.Id, cancellationToken);
        return new PaymentView(
            payment.Id, payment.Reference, payment.Status, payment.Method, payment.Amount, payment.DossierCode, payment.FeeCode,
            payment.Description, ToVietnam(payment.CreatedAt), ToVietnam(payment.ExpiresAt),
            payment.PaidAt is { } paid ? ToVietnam(paid) : null,
            payment.ProviderTransactionNo, payment.BankCode, payment.FailureCode, payment.RedirectUrl,
            payment.QrPayload is null ? null : new PaymentQr(payment.QrPayload, QrImageUrl(payment.Id)),
            events.Select(e => new PaymentEventView(ToVietnam(e.At), e.FromStatus, e.ToStatus, e.Source, e.Detail)).ToList());
    }

    public async Task<byte[]?> GetQrPngAsync(string client, string paymentId, CancellationToken cancellationToken)
    {
        var payment = IsPaymentId(paymentId) ? await store.GetAsync(paymentId, cancellationToken) : null;
        if (payment is null || payment.Client != client)
        {
            return null;
        }

        if (payment.QrPayload is null)
        {
            throw new GatewayProblemException(404, PaymentProblemCodes.NotVietQr, "This payment has no QR code.", "Only vietqr payments have a QR code; a vnpay payment has a redirectUrl.");
        }

        return QrPng.Render(payment.QrPayload);
    }

    public async Task<VnpayIpnAnswer> HandleVnpayIpnAsync(IReadOnlyDictionary<string, string?> query, CancellationToken cancellationToken)
    {
        try
        {
            return await telemetry.TrackAsync(Connector, "vnpay_ipn", ct => HandleIpnAsync(query, ct), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.IpnFailed(logger, ex);
            return new VnpayIpnAnswer("99", "Unknown error");
        }
    }

    /// <summary>VNPAY's order of checks: signature, order, amount, already confirmed, then the update.</summary>
    private async Task<VnpayIpnAnswer> HandleIpnAsync(IReadOnlyDictionary<string, string?> query, CancellationToken ct)
    {
        if (!_vnpay.Verify(query))
        {
            return Refuse("97", "Invalid signature", "signature does not verify");
        }

        if (!string.Equals(query.GetValueOrDefault("vnp_TmnCode"), _options.Vnpay.TmnCode, StringComparison.Ordinal))
        {
            // Another terminal's order: none of ours has its vnp_TxnRef.
            return Refuse("01", "Order not found", "vnp_TmnCode is not this gateway's terminal");
        }

        var txnRef = query.GetValueOrDefault("vnp_TxnRef");
        var payment = string.IsNullOrEmpty(txnRef) ? null : await store.GetByReferenceAsync(txnRef, ct);
        if (payment is null || payment.Method != PaymentMethods.Vnpay)
        {
            return Refuse("01", "Order not found", "no VNPAY payment has this vnp_TxnRef");
        }

        if (!long.TryParse(query.GetValueOrDefault("vnp_Amount"), NumberStyles.None, CultureInfo.InvariantCulture, out var amount)
            || amount != payment.Amount * 100)
        {
            return Refuse("04", "Invalid amount", "vnp_Amount differs from the payment's amount");
        }

        var responseCode = query.GetValueOrDefault("vnp_ResponseCode");
        var transactionStatus = query.GetValueOrDefault("vnp_TransactionStatus");
        var paid = responseCode == "00" && transactionStatus == "00";
        var transactionNo = query.GetValueOrDefault("vnp_TransactionNo");
        if (payment.Status != PaymentStatuses.Pending)
        {
            if (paid && !(payment.Status == PaymentStatuses.Paid && payment.ProviderTransactionNo == transactionNo))
            {
                // Money taken for a payment that can no longer take it: kept for an operator, never applied.
                await FlagIpnMoneyAsync(payment, query, amount / 100, ct);
            }

            return Refuse("02", "Order already confirmed", "the payment is already " + payment.Status);
        }

        var settlement = paid
            ? new PaymentSettlement(
                PaymentStatuses.Paid, "vnpay_ipn", "vnp_TransactionNo " + query.GetValueOrDefault("vnp_TransactionNo"),
                ProviderTransactionNo: query.GetValueOrDefault("vnp_TransactionNo"),
                BankCode: query.GetValueOrDefault("vnp_BankCode"),
                PaidAt: PayDate(query.GetValueOrDefault("vnp_PayDate")))
            : new PaymentSettlement(
                PaymentStatuses.Failed, "vnpay_ipn", $"vnp_ResponseCode {responseCode}, vnp_TransactionStatus {transactionStatus}",
                ProviderTransactionNo: NullIfEmptyOrZero(query.GetValueOrDefault("vnp_TransactionNo")),
                BankCode: query.GetValueOrDefault("vnp_BankCode"),
                FailureCode: responseCode);
        if (!await store.TrySettleAsync(payment.Id, settlement, time.GetUtcNow().ToUnixTimeMilliseconds(), ct))
        {
            return Refuse("02", "Order already confirmed", "settled concurrently");
        }

        Log.PaymentSettled(logger, payment.Id, settlement.To, settlement.Source);
        return new VnpayIpnAnswer("00", "Confirm Success");
    }

    /// <summary>Records a paid IPN for a payment that is expired, failed or paid by another transaction as flagged money.</summary>
    private async Task FlagIpnMoneyAsync(PaymentRow payment, IReadOnlyDictionary<string, string?> query, long amount, CancellationToken ct)
    {
        var transactionNo = query.GetValueOrDefault("vnp_TransactionNo");
        var outcome = MoneyForStatus(payment.Status);
        var report = new BankNoticeRow
        {
            TransactionId = "vnpay:" + transactionNo,
            ReceivedAt = time.GetUtcNow().ToUnixTimeMilliseconds(),
            BankBin = query.GetValueOrDefault("vnp_BankCode"),
            Amount = amount,
            Content = $"VNPAY IPN vnp_TxnRef {payment.Reference}, vnp_TransactionNo {transactionNo}",
            TransferredAt = query.GetValueOrDefault("vnp_PayDate"),
            Reference = payment.Reference,
            PaymentId = payment.Id,
            ExpectedAmount = payment.Amount,
            Outcome = outcome,
            Flagged = 1,
            Source = BankNoticeRow.VnpayIpn,
        };
        if (await store.RecordMoneyReportAsync(report, ct))
        {
            Log.PaidAfterSettlement(logger, payment.Id, payment.Status);
            Log.BankNoticeFlagged(logger, report.TransactionId, outcome);
        }
    }

    /// <summary>The flagged outcome of money reported for a payment in <paramref name="status"/> (not pending).</summary>
    private static string MoneyForStatus(string status) => status switch
    {
        PaymentStatuses.Expired => "payment_expired",
        PaymentStatuses.Failed => "payment_failed",
        PaymentStatuses.Paid => "already_paid",
        _ => "not_pending",
    };

    private VnpayIpnAnswer Refuse(string code, string message, string reason)
    {
        Log.IpnRejected(logger, code, reason);
        return new VnpayIpnAnswer(code, message);
    }

    public async Task<VnpayReturnView> VerifyVnpayReturnAsync(string client, IReadOnlyDictionary<string, string?> query, CancellationToken cancellationToken)
    {
        if (!_vnpay.Verify(query))
        {
            throw new GatewayProblemException(400, PaymentProblemCodes.InvalidSignature, "The return parameters are not signed by VNPAY.",
                "vnp_SecureHash does not verify: do not show this payment as paid.");
        }

        var txnRef = query.GetValueOrDefault("vnp_TxnRef");
        var payment = string.IsNullOrEmpty(txnRef) ? null : await store.GetByReferenceAsync(txnRef, cancellationToken);
        if (payment is not null && payment.Client != client)
        {
            payment = null;
        }

        var responseCode = query.GetValueOrDefault("vnp_ResponseCode");
        var transactionStatus = query.GetValueOrDefault("vnp_TransactionStatus");
        return new VnpayReturnView(payment?.Id, payment?.Status, responseCode, transactionStatus,
            ProviderSaysPaid: responseCode == "00" && transactionStatus == "00" && payment is not null
                && query.GetValueOrDefault("vnp_Amount") == (payment.Amount * 100).ToString(CultureInfo.InvariantCulture));
    }

    public async Task<BankNoticeReceipt> HandleBankNoticeAsync(string? timestamp, string? signature, ReadOnlyMemory<byte> rawBody, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        switch (_bankSignature.Check(timestamp, signature, rawBody.Span, now, _options.BankNotices.Tolerance))
        {
            case BankNoticeCheck.Missing or BankNoticeCheck.BadSignature:
                Log.BankNoticeRefused(logger, "signature missing or wrong");
                throw new GatewayProblemException(401, PaymentProblemCodes.InvalidSignature, "The notice is not signed with the shared secret.",
                    "X-Signature must be the hex HMAC-SHA256 of X-Timestamp + \".\" + the raw body.");
            case BankNoticeCheck.Stale:
                Log.BankNoticeRefused(logger, "timestamp outside the window");
                throw new GatewayProblemException(401, PaymentProblemCodes.StaleTimestamp, "The notice's timestamp is too far from now.",
                    $"X-Timestamp must be within {_options.BankNotices.Tolerance.TotalMinutes:0} minutes of the gateway's clock.");
        }

        BankNoticeBody? body;
        try
        {
            body = JsonSerializer.Deserialize(rawBody.Span, PaymentJsonContext.Default.BankNoticeBody);
        }
        catch (JsonException)
        {
            throw GatewayProblemException.Validation("body", ProblemCodes.MalformedJson, "The notice is not valid JSON.");
        }

        var notice = ValidateNotice(body, now);
        return await telemetry.TrackAsync(Connector, "bank_notice", ct => RecordNoticeAsync(notice, body!, now, ct), cancellationToken);
    }

    private async Task<BankNoticeReceipt> RecordNoticeAsync(BankNoticeRow notice, BankNoticeBody body, DateTimeOffset now, CancellationToken ct)
    {
        var references = PaymentReference.FindIn(notice.Content);
        var paidAt = ParseTransferredAt(body.TransferredAt) ?? now;
        var (row, duplicate) = await store.RecordBankNoticeAsync(notice, references, payment =>
        {
            if ((notice.BankBin is not null && notice.BankBin != _options.VietQr.BankBin)
                || (notice.AccountNumber is not null && notice.AccountNumber != _options.VietQr.AccountNumber))
            {
                return ("wrong_account", true, null);
            }

            if (payment is null || payment.Method != PaymentMethods.VietQr)
            {
                return ("unmatched", true, null);
            }

            if (notice.Amount != payment.Amount)
            {
                return ("amount_mismatch", true, null);
            }

            if (payment.Status != PaymentStatuses.Pending)
            {
                return (MoneyForStatus(payment.Status), true, null);
            }

            if (payment.ExpiresAt <= now.ToUnixTimeMilliseconds())
            {
                // Past its expiry but not yet expired by the reconciliation job: expired now, the money goes to an operator.
                return ("payment_expired", true, new PaymentSettlement(
                    PaymentStatuses.Expired, "expiry", "expired when transaction " + notice.TransactionId + " arrived"));
            }

            return ("paid", false, new PaymentSettlement(
                PaymentStatuses.Paid, "bank_notice", "transaction " + notice.TransactionId,
                ProviderTransactionNo: notice.TransactionId, BankCode: notice.BankBin, PaidAt: paidAt.ToUnixTimeMilliseconds()));
        }, now.ToUnixTimeMilliseconds(), ct);

        if (duplicate)
        {
            Log.BankNoticeDuplicate(logger, row.TransactionId);
        }
        else if (row.Flagged == 1)
        {
            Log.BankNoticeFlagged(logger, row.TransactionId, row.Outcome);
        }
        else if (row.PaymentId is not null)
        {
            Log.PaymentSettled(logger, row.PaymentId, PaymentStatuses.Paid, "bank_notice");
        }

        return new BankNoticeReceipt(row.TransactionId, row.Outcome, duplicate, row.PaymentId);
    }

    private static BankNoticeRow ValidateNotice(BankNoticeBody? body, DateTimeOffset now)
    {
        var errors = new List<FieldError>();
        if (body is null)
        {
            throw GatewayProblemException.Validation("body", ProblemCodes.MissingField, "The notice body is required.");
        }

        if (string.IsNullOrWhiteSpace(body.TransactionId) || body.TransactionId.Length > 100)
        {
            errors.Add(new FieldError("transactionId", ProblemCodes.MissingField, "transactionId is required (at most 100 characters)."));
        }

        if (body.Amount is null or <= 0)
        {
            errors.Add(new FieldError("amount", PaymentProblemCodes.InvalidAmount, "amount must be a positive whole number of VND."));
        }

        if (body.Content is null || body.Content.Length > 1000)
        {
            errors.Add(new FieldError("content", ProblemCodes.MissingField, "content is required (at most 1000 characters)."));
        }

        if (errors.Count > 0)
        {
            throw GatewayProblemException.Validation(errors);
        }

        return new BankNoticeRow
        {
            TransactionId = body.TransactionId!,
            ReceivedAt = now.ToUnixTimeMilliseconds(),
            BankBin = body.BankBin,
            AccountNumber = body.AccountNumber,
            Amount = body.Amount!.Value,
            Content = body.Content!,
            TransferredAt = body.TransferredAt,
            Outcome = "received",
        };
    }

    public async Task<IReadOnlyList<BankNoticeView>> ListFlaggedBankNoticesAsync(int limit, CancellationToken cancellationToken)
    {
        var rows = await store.ListFlaggedNoticesAsync(limit, cancellationToken);
        return rows.Select(n => new BankNoticeView(
            n.TransactionId, ToVietnam(n.ReceivedAt), n.Amount, n.Content, n.BankBin, n.AccountNumber, n.TransferredAt,
            n.PaymentId, n.Reference, n.ExpectedAmount, n.Outcome, n.Source)).ToList();
    }

    internal static DateTimeOffset ToVietnam(long unixMs) => DateTimeOffset.FromUnixTimeMilliseconds(unixMs).ToOffset(VietnamTime.Offset);

    internal static long? PayDate(string? value) => VietnamTime.TryParse14(value, out var at) ? at.ToUnixTimeMilliseconds() : null;

    private static string? NullIfEmptyOrZero(string? value) => string.IsNullOrEmpty(value) || value.All(c => c == '0') ? null : value;

    private static DateTimeOffset? ParseTransferredAt(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (VietnamTime.TryParse14(value, out var vn))
        {
            return vn;
        }

        // ISO 8601; without an offset it is Vietnam time, like every upstream time.
        if (DateTime.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            return local.Kind switch
            {
                DateTimeKind.Unspecified => new DateTimeOffset(local, VietnamTime.Offset),
                _ => DateTimeOffset.Parse(value, CultureInfo.InvariantCulture),
            };
        }

        return null;
    }
}
