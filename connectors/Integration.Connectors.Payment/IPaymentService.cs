using Integration.Core.Problems;

namespace Integration.Connectors.Payment;

/// <summary>
/// Dossier-fee payments through VNPAY and VietQR: creation with an idempotency key, status and the VietQR image.
/// Refusals come back as <see cref="PaymentError"/>s; a failure of the gateway's own store leaves as an exception.
/// </summary>
public interface IPaymentService
{
    /// <summary>
    /// Creates a payment once per (client, idempotency key). The same key and body return the same payment, as
    /// it was created (<see cref="PaymentCreation.Replayed"/>); another body is
    /// <see cref="PaymentError.IdempotencyKeyReused"/>; a key whose first request is still running is
    /// <see cref="PaymentError.IdempotencyKeyInFlight"/>; a missing key is <see cref="PaymentError.IdempotencyKeyMissing"/>;
    /// invalid fields (the key's too) are <see cref="PaymentError.Invalid"/>. The payment is stored before this returns.
    /// </summary>
    /// <param name="client">The calling client; keys are scoped to it.</param>
    /// <param name="idempotencyKey">The <c>Idempotency-Key</c> header (at most 255 printable ASCII characters).</param>
    /// <param name="request">The body.</param>
    /// <param name="cancellationToken">Cancels only until the key is claimed; after that the creation completes.</param>
    Task<Result<PaymentCreation, PaymentError>> CreateAsync(string client, string? idempotencyKey, CreatePaymentRequest? request, CancellationToken cancellationToken);

    /// <summary>The payment with its events; <see cref="PaymentError.PaymentNotFound"/> when it does not exist or belongs to another client.</summary>
    Task<Result<PaymentView, PaymentError>> GetAsync(string client, string paymentId, CancellationToken cancellationToken);

    /// <summary>
    /// The VietQR code of a payment as PNG; <see cref="PaymentError.PaymentNotFound"/> when it does not exist or belongs
    /// to another client, <see cref="PaymentError.NotVietQr"/> for a VNPAY payment.
    /// </summary>
    Task<Result<byte[], PaymentError>> GetQrPngAsync(string client, string paymentId, CancellationToken cancellationToken);
}
