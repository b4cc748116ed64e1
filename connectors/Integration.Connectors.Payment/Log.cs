using Microsoft.Extensions.Logging;

namespace Integration.Connectors.Payment;

/// <summary>The Payment connector's log messages. Structured; no payer name, phone or secret.</summary>
internal static partial class Log
{
    [LoggerMessage(6001, LogLevel.Information, "Payment {PaymentId} created ({Method}, {Amount} VND, reference {Reference})")]
    public static partial void PaymentCreated(ILogger logger, string paymentId, string method, long amount, string reference);

    [LoggerMessage(6002, LogLevel.Information, "Payment {PaymentId} is now {Status} (by {Source})")]
    public static partial void PaymentSettled(ILogger logger, string paymentId, string status, string source);

    [LoggerMessage(6003, LogLevel.Information, "Idempotency key of client {Client} replayed for payment {PaymentId}")]
    public static partial void Replayed(ILogger logger, string client, string? paymentId);

    [LoggerMessage(6004, LogLevel.Warning, "Took over idempotency key of client {Client}: its first request stopped without finishing")]
    public static partial void TookOver(ILogger logger, string client);

    [LoggerMessage(6005, LogLevel.Warning, "Could not release an idempotency key after a failed creation ({Error}); it frees itself when its lease ends")]
    public static partial void ReleaseFailed(ILogger logger, string error);

    [LoggerMessage(6101, LogLevel.Warning, "VNPAY IPN answered {RspCode}: {Reason}")]
    public static partial void IpnRejected(ILogger logger, string rspCode, string reason);

    [LoggerMessage(6102, LogLevel.Warning, "VNPAY reports payment {PaymentId} paid but it is already {Status}: an operator must refund or settle it")]
    public static partial void PaidAfterSettlement(ILogger logger, string paymentId, string status);

    [LoggerMessage(6103, LogLevel.Error, "VNPAY IPN could not be handled")]
    public static partial void IpnFailed(ILogger logger, Exception exception);

    [LoggerMessage(6104, LogLevel.Error, "The querydr answer for {TxnRef} carries a vnp_SecureHash that does not verify; ignored")]
    public static partial void QueryHashInvalid(ILogger logger, string txnRef);

    [LoggerMessage(6105, LogLevel.Warning, "VNPAY reports payment {PaymentId} paid with another amount ({AmountTimes100} / 100 VND); left pending for an operator")]
    public static partial void QueryAmountMismatch(ILogger logger, string paymentId, long? amountTimes100);

    [LoggerMessage(6201, LogLevel.Warning, "Bank notice refused: {Reason}")]
    public static partial void BankNoticeRefused(ILogger logger, string reason);

    [LoggerMessage(6202, LogLevel.Warning, "Bank notice {TransactionId} flagged for an operator: {Outcome}")]
    public static partial void BankNoticeFlagged(ILogger logger, string transactionId, string outcome);

    [LoggerMessage(6203, LogLevel.Information, "Bank notice {TransactionId} seen before; acknowledged without effect")]
    public static partial void BankNoticeDuplicate(ILogger logger, string transactionId);

    [LoggerMessage(6301, LogLevel.Warning, "Reconciling payment {PaymentId} failed: {Error}")]
    public static partial void ReconcileFailed(ILogger logger, string paymentId, string error);

    [LoggerMessage(6302, LogLevel.Information, "Reconciliation: {Queried} queried, {Settled} settled, {Expired} expired, {Deleted} idempotency records deleted")]
    public static partial void Reconciled(ILogger logger, int queried, int settled, int expired, int deleted);
}
