using System.Text.Json.Serialization;

namespace Integration.Connectors.Payment;

/// <summary>The states of a payment. Transitions are one-way, from <see cref="Pending"/> only; <see cref="Paid"/> is final.</summary>
public static class PaymentStatuses
{
    public const string Pending = "pending";
    public const string Paid = "paid";
    public const string Failed = "failed";
    public const string Expired = "expired";
}

/// <summary>How the payer pays.</summary>
public static class PaymentMethods
{
    /// <summary>VNPAY's hosted payment page (cards, bank apps, VNPAY-QR).</summary>
    public const string Vnpay = "vnpay";

    /// <summary>A VietQR code any Vietnamese banking app scans; the bank's credit notice settles it.</summary>
    public const string VietQr = "vietqr";
}

/// <summary>Body of <c>POST /api/v1/payments</c>. Every property is checked by the connector; none is trusted.</summary>
/// <param name="DossierCode">The dossier the fee belongs to (letters, digits, <c>. - _ /</c>; at most 64).</param>
/// <param name="FeeCode">The fee's code (same rules).</param>
/// <param name="Amount">Whole VND, positive, at most <see cref="PaymentOptions.MaxAmount"/>; VNPAY needs at least 5,000.</param>
/// <param name="Description">What is paid, shown to the payer (at most 255 characters; sent to VNPAY without diacritics).</param>
/// <param name="Payer">Who pays; optional.</param>
/// <param name="Method"><c>vnpay</c> or <c>vietqr</c>.</param>
/// <param name="ReturnUrl">Where VNPAY sends the payer back (absolute http(s) URL); required for <c>vnpay</c>.</param>
public sealed record CreatePaymentRequest(
    string? DossierCode,
    string? FeeCode,
    long? Amount,
    string? Description,
    PayerDetails? Payer,
    string? Method,
    string? ReturnUrl);

/// <summary>The payer, all optional.</summary>
/// <param name="Name">At most 100 characters.</param>
/// <param name="Phone">A Vietnamese mobile number; kept in E.164.</param>
/// <param name="Email">At most 254 characters.</param>
/// <param name="IpAddress">The payer's IP address, sent to VNPAY as <c>vnp_IpAddr</c> (default: the gateway's <c>ServerIpAddress</c>).</param>
public sealed record PayerDetails(string? Name, string? Phone, string? Email, string? IpAddress);

/// <summary>A payment creation's outcome.</summary>
/// <param name="Payment">The payment as it was created (a replay describes it as created too: <c>pending</c>, whatever happened since).</param>
/// <param name="Replayed">True when an earlier request with the same key created it.</param>
public sealed record PaymentCreation(PaymentCreated Payment, bool Replayed);

/// <summary>A payment as it was created: the 201 body of a payment creation.</summary>
/// <param name="PaymentId">The gateway's id of the payment.</param>
/// <param name="Reference">The reference the payer's provider sees: <c>vnp_TxnRef</c>, or the VietQR purpose the bank copies into the transfer content.</param>
/// <param name="Status"><c>pending</c>.</param>
/// <param name="Method"><c>vnpay</c> or <c>vietqr</c>.</param>
/// <param name="Amount">Whole VND.</param>
/// <param name="RedirectUrl">The signed VNPAY pay URL to send the payer to (<c>vnpay</c>).</param>
/// <param name="Qr">The VietQR payload and its image (<c>vietqr</c>).</param>
/// <param name="ExpiresAt">After this time the payment can no longer be paid and becomes <c>expired</c>.</param>
public sealed record PaymentCreated(
    string PaymentId,
    string Reference,
    string Status,
    string Method,
    long Amount,
    string? RedirectUrl,
    PaymentQr? Qr,
    DateTimeOffset ExpiresAt);

/// <summary>A VietQR code.</summary>
/// <param name="Payload">The EMVCo payload to encode in a QR code.</param>
/// <param name="ImageUrl">The PNG rendering (<c>GET /api/v1/payments/{id}/qr.png</c>, same API key).</param>
public sealed record PaymentQr(string Payload, string ImageUrl);

/// <summary>A payment's current state and history.</summary>
public sealed record PaymentView(
    string PaymentId,
    string Reference,
    string Status,
    string Method,
    long Amount,
    string DossierCode,
    string FeeCode,
    string Description,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset? PaidAt,
    string? ProviderTransactionNo,
    string? Bank,
    string? FailureCode,
    string? RedirectUrl,
    PaymentQr? Qr,
    IReadOnlyList<PaymentEventView> Events);

/// <summary>One status transition of a payment.</summary>
/// <param name="At">When it happened.</param>
/// <param name="From">The previous status; null for the creation.</param>
/// <param name="To">The new status.</param>
/// <param name="Source"><c>created</c>, <c>vnpay_ipn</c>, <c>querydr</c>, <c>bank_notice</c> or <c>expiry</c>.</param>
/// <param name="Detail">The provider's code or transaction id.</param>
public sealed record PaymentEventView(DateTimeOffset At, string? From, string To, string Source, string? Detail);

/// <summary>The answer VNPAY expects to an IPN: <c>{"RspCode": "00", "Message": "Confirm Success"}</c>.</summary>
public sealed record VnpayIpnAnswer(
    [property: JsonPropertyName("RspCode")] string RspCode,
    [property: JsonPropertyName("Message")] string Message);

/// <summary>What a VNPAY return URL says, once its signature is checked. The return URL never changes a payment (the IPN and reconciliation do).</summary>
/// <param name="PaymentId">The payment named by <c>vnp_TxnRef</c>, when it belongs to the caller.</param>
/// <param name="Status">The payment's status in the gateway.</param>
/// <param name="ResponseCode"><c>vnp_ResponseCode</c>.</param>
/// <param name="TransactionStatus"><c>vnp_TransactionStatus</c>.</param>
/// <param name="ProviderSaysPaid">True when VNPAY says paid (both codes <c>00</c>); show "paid" only once <paramref name="Status"/> is <c>paid</c>.</param>
public sealed record VnpayReturnView(string? PaymentId, string? Status, string? ResponseCode, string? TransactionStatus, bool ProviderSaysPaid);

/// <summary>The gateway's receipt of a bank credit notice.</summary>
/// <param name="TransactionId">The bank's transaction id.</param>
/// <param name="Outcome">
/// <c>paid</c>; flagged for an operator: <c>amount_mismatch</c>, <c>unmatched</c>, <c>wrong_account</c>, <c>payment_expired</c>,
/// <c>payment_failed</c>, <c>already_paid</c> (paid by another transaction) or <c>not_pending</c> (settled concurrently).
/// </param>
/// <param name="Duplicate">True when this transaction was already recorded; nothing changed.</param>
/// <param name="PaymentId">The payment the notice matched, if any.</param>
public sealed record BankNoticeReceipt(string TransactionId, string Outcome, bool Duplicate, string? PaymentId);

/// <summary>
/// Money an operator must look at (it arrived but no payment was marked paid by it): a bank credit notice, or a
/// VNPAY IPN that reported a payment for an expired, failed or already paid one (<c>Source</c>: <c>bank_notice</c>
/// or <c>vnpay_ipn</c>, whose <c>TransactionId</c> is <c>vnpay:</c> and <c>vnp_TransactionNo</c>).
/// </summary>
public sealed record BankNoticeView(
    string TransactionId,
    DateTimeOffset ReceivedAt,
    long Amount,
    string Content,
    string? BankBin,
    string? AccountNumber,
    string? TransferredAt,
    string? PaymentId,
    string? Reference,
    long? ExpectedAmount,
    string Outcome,
    string Source);
