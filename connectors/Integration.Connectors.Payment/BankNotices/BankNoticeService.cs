using System.Globalization;
using System.Text.Json;
using Integration.Connectors.Payment.Store;
using Integration.Core.Hosting;
using Integration.Core.Monitoring;
using Integration.Core.Problems;
using Integration.Core.Validation;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Integration.Connectors.Payment.BankNotices;

/// <summary>
/// The collecting bank's credit notices (docs/upstreams.md, "Bank credit notices"): authenticated, recorded once per
/// transaction, and applied to the VietQR payment whose reference the transfer content carries, or flagged for an
/// operator with the reason. Flagged money from VNPAY's IPN is listed with them.
/// </summary>
internal sealed class BankNoticeService(
    PaymentStore store,
    IOptions<PaymentOptions> options,
    ConnectorTelemetry telemetry,
    TimeProvider time,
    ILogger<BankNoticeService> logger) : IBankNoticeService
{
    private readonly PaymentOptions _options = options.Value;
    private readonly BankNoticeSignature _signature = new(options.Value.BankNotices.Secret);

    public async Task<Result<BankNoticeReceipt, PaymentError>> HandleAsync(string? timestamp, string? signature, ReadOnlyMemory<byte> rawBody, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        switch (_signature.Check(timestamp, signature, rawBody.Span, now, _options.BankNotices.Tolerance))
        {
            case BankNoticeCheck.Missing or BankNoticeCheck.BadSignature:
                Log.BankNoticeRefused(logger, "signature missing or wrong");
                return new PaymentError.NoticeNotSigned();
            case BankNoticeCheck.Stale:
                Log.BankNoticeRefused(logger, "timestamp outside the window");
                return new PaymentError.NoticeTimestampStale(_options.BankNotices.Tolerance);
        }

        BankNoticeBody? body;
        try
        {
            body = JsonSerializer.Deserialize(rawBody.Span, PaymentJsonContext.Default.BankNoticeBody);
        }
        catch (JsonException)
        {
            return Invalid(new FieldError("body", ProblemCodes.MalformedJson, "The notice is not valid JSON."));
        }

        var notice = Validate(body, now);
        if (!notice.Succeeded)
        {
            return notice.Error;
        }

        return await telemetry.TrackAsync(
            PaymentServiceCollectionExtensions.ConnectorName, "bank_notice", ct => RecordAsync(notice.Value, body!, now, ct), cancellationToken);
    }

    private async Task<BankNoticeReceipt> RecordAsync(BankNoticeRow notice, BankNoticeBody body, DateTimeOffset now, CancellationToken ct)
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
                return (FlaggedMoney.OutcomeFor(payment.Status), true, null);
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

    private static Result<BankNoticeRow, PaymentError> Validate(BankNoticeBody? body, DateTimeOffset now)
    {
        if (body is null)
        {
            return Invalid(new FieldError("body", ProblemCodes.MissingField, "The notice body is required."));
        }

        var errors = new List<FieldError>();
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
            return new PaymentError.Invalid(errors);
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

    private static PaymentError.Invalid Invalid(FieldError error) => new([error]);

    public async Task<Result<IReadOnlyList<BankNoticeView>, PaymentError>> ListFlaggedAsync(int? limit, CancellationToken cancellationToken)
    {
        if (!PageLimit.TryParse(limit, 100, 1000, out var take, out var invalid))
        {
            return Invalid(invalid);
        }

        var rows = await store.ListFlaggedNoticesAsync(take, cancellationToken);
        return rows.Select(n => new BankNoticeView(
            n.TransactionId, PaymentTime.ToVietnam(n.ReceivedAt), n.Amount, n.Content, n.BankBin, n.AccountNumber, n.TransferredAt,
            n.PaymentId, n.Reference, n.ExpectedAmount, n.Outcome, n.Source)).ToList<BankNoticeView>();
    }

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
