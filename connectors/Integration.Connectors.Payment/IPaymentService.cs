namespace Integration.Connectors.Payment;

/// <summary>
/// Dossier-fee payments through VNPAY and VietQR. Invalid input and idempotency conflicts leave as
/// <see cref="Integration.Core.Problems.GatewayProblemException"/>s (400, 404, 409, 422); upstream failures as
/// <see cref="Integration.Core.Problems.UpstreamException"/>s.
/// </summary>
public interface IPaymentService
{
    /// <summary>
    /// Creates a payment once per (client, idempotency key): the same key and body return the stored answer,
    /// another body is 422 <c>idempotency_key_reused</c>, a key whose first request is still running is 409
    /// <c>idempotency_key_in_flight</c>, a missing key is 400 <c>idempotency_key_missing</c>. The payment and
    /// the answer are stored before this returns.
    /// </summary>
    /// <param name="client">The calling client; keys are scoped to it.</param>
    /// <param name="idempotencyKey">The <c>Idempotency-Key</c> header (at most 255 printable ASCII characters).</param>
    /// <param name="request">The body.</param>
    /// <param name="cancellationToken">Cancels only until the key is claimed; after that the creation completes.</param>
    Task<PaymentCreation> CreateAsync(string client, string? idempotencyKey, CreatePaymentRequest? request, CancellationToken cancellationToken);

    /// <summary>The payment with its events, or null when it does not exist or belongs to another client.</summary>
    Task<PaymentView?> GetAsync(string client, string paymentId, CancellationToken cancellationToken);

    /// <summary>The VietQR code of a payment as PNG; null when it does not exist or belongs to another client; 404 <c>not_vietqr</c> for a VNPAY payment.</summary>
    Task<byte[]?> GetQrPngAsync(string client, string paymentId, CancellationToken cancellationToken);

    /// <summary>
    /// Handles a VNPAY IPN (its <c>vnp_*</c> query parameters), checking in VNPAY's order: signature (97),
    /// order (01), amount (04), already confirmed (02); then settles the payment (00). Never throws.
    /// </summary>
    Task<VnpayIpnAnswer> HandleVnpayIpnAsync(IReadOnlyDictionary<string, string?> query, CancellationToken cancellationToken);

    /// <summary>Checks a VNPAY return URL's parameters: 400 <c>invalid_signature</c> when they are not VNPAY's. Changes nothing.</summary>
    Task<VnpayReturnView> VerifyVnpayReturnAsync(string client, IReadOnlyDictionary<string, string?> query, CancellationToken cancellationToken);

    /// <summary>
    /// Handles a bank credit notice: 401 <c>invalid_signature</c> or <c>stale_timestamp</c> unless signed and
    /// recent; a transaction seen before is acknowledged again without effect; a wrong amount is recorded and
    /// flagged for an operator, never paid.
    /// </summary>
    /// <param name="timestamp">The <c>X-Timestamp</c> header (Unix seconds).</param>
    /// <param name="signature">The <c>X-Signature</c> header (hex HMAC-SHA256).</param>
    /// <param name="rawBody">The body exactly as received.</param>
    /// <param name="cancellationToken">Cancels the handling.</param>
    Task<BankNoticeReceipt> HandleBankNoticeAsync(string? timestamp, string? signature, ReadOnlyMemory<byte> rawBody, CancellationToken cancellationToken);

    /// <summary>The newest flagged bank notices (money that arrived without paying a payment), for operators.</summary>
    Task<IReadOnlyList<BankNoticeView>> ListFlaggedBankNoticesAsync(int limit, CancellationToken cancellationToken);
}
