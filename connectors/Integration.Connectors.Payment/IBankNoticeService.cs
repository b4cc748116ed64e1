using Integration.Core.Problems;

namespace Integration.Connectors.Payment;

/// <summary>The collecting bank's credit notices for VietQR transfers, and the money an operator must look at.</summary>
public interface IBankNoticeService
{
    /// <summary>
    /// Handles a bank credit notice: <see cref="PaymentError.NoticeNotSigned"/> or
    /// <see cref="PaymentError.NoticeTimestampStale"/> unless signed and recent, <see cref="PaymentError.Invalid"/> for
    /// a body that cannot be a notice; a transaction seen before is acknowledged again without effect; a wrong amount
    /// is recorded and flagged for an operator, never paid.
    /// </summary>
    /// <param name="timestamp">The <c>X-Timestamp</c> header (Unix seconds).</param>
    /// <param name="signature">The <c>X-Signature</c> header (hex HMAC-SHA256).</param>
    /// <param name="rawBody">The body exactly as received.</param>
    /// <param name="cancellationToken">Cancels the handling.</param>
    Task<Result<BankNoticeReceipt, PaymentError>> HandleAsync(string? timestamp, string? signature, ReadOnlyMemory<byte> rawBody, CancellationToken cancellationToken);

    /// <summary>
    /// The newest flagged money (bank notices, and VNPAY IPNs for payments that could no longer take it), for operators:
    /// at most <paramref name="limit"/> (1-1000, 100 when not given).
    /// </summary>
    Task<Result<IReadOnlyList<BankNoticeView>, PaymentError>> ListFlaggedAsync(int? limit, CancellationToken cancellationToken);
}
