using System.Globalization;
using Integration.Connectors.Payment.BankNotices;
using Integration.Connectors.Payment.Store;
using Integration.Core.Monitoring;
using Integration.Core.Problems;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Integration.Connectors.Payment.Vnpay;

/// <summary>
/// VNPAY's IPN, which settles a payment, and the payer's return URL, which only shows a result (VNPAY 2.1.0;
/// docs/domain.md, "VNPAY"). Both are believed only when their <c>vnp_SecureHash</c> verifies.
/// </summary>
internal sealed class VnpayCallbacks(
    PaymentStore store,
    IOptions<PaymentOptions> options,
    ConnectorTelemetry telemetry,
    TimeProvider time,
    ILogger<VnpayCallbacks> logger) : IVnpayCallbacks
{
    private readonly VnpayOptions _options = options.Value.Vnpay;
    private readonly VnpaySigner _signer = new(options.Value.Vnpay.HashSecret);

    public async Task<VnpayIpnAnswer> HandleIpnAsync(IReadOnlyDictionary<string, string?> query, CancellationToken cancellationToken)
    {
        try
        {
            return await telemetry.TrackAsync(PaymentServiceCollectionExtensions.ConnectorName, "vnpay_ipn", ct => SettleAsync(query, ct), cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Log.IpnFailed(logger, ex);
            return new VnpayIpnAnswer("99", "Unknown error");
        }
    }

    /// <summary>VNPAY's order of checks: signature, order, amount, already confirmed, then the update.</summary>
    private async Task<VnpayIpnAnswer> SettleAsync(IReadOnlyDictionary<string, string?> query, CancellationToken ct)
    {
        if (!_signer.Verify(query))
        {
            return Refuse("97", "Invalid signature", "signature does not verify");
        }

        if (!string.Equals(query.GetValueOrDefault("vnp_TmnCode"), _options.TmnCode, StringComparison.Ordinal))
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
                await FlagMoneyAsync(payment, query, amount / 100, ct);
            }

            return Refuse("02", "Order already confirmed", "the payment is already " + payment.Status);
        }

        var settlement = paid
            ? new PaymentSettlement(
                PaymentStatuses.Paid, "vnpay_ipn", "vnp_TransactionNo " + transactionNo,
                ProviderTransactionNo: transactionNo,
                BankCode: query.GetValueOrDefault("vnp_BankCode"),
                PaidAt: PaymentTime.FromPayDate(query.GetValueOrDefault("vnp_PayDate")))
            : new PaymentSettlement(
                PaymentStatuses.Failed, "vnpay_ipn", $"vnp_ResponseCode {responseCode}, vnp_TransactionStatus {transactionStatus}",
                ProviderTransactionNo: NullIfEmptyOrZero(transactionNo),
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
    private async Task FlagMoneyAsync(PaymentRow payment, IReadOnlyDictionary<string, string?> query, long amount, CancellationToken ct)
    {
        var transactionNo = query.GetValueOrDefault("vnp_TransactionNo");
        var outcome = FlaggedMoney.OutcomeFor(payment.Status);
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

    private VnpayIpnAnswer Refuse(string code, string message, string reason)
    {
        Log.IpnRejected(logger, code, reason);
        return new VnpayIpnAnswer(code, message);
    }

    private static string? NullIfEmptyOrZero(string? value) => string.IsNullOrEmpty(value) || value.All(c => c == '0') ? null : value;

    public async Task<Result<VnpayReturnView, PaymentError>> VerifyReturnAsync(string client, IReadOnlyDictionary<string, string?> query, CancellationToken cancellationToken)
    {
        if (!_signer.Verify(query))
        {
            return new PaymentError.ReturnNotSigned();
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
}
