using Integration.Core.Problems;

namespace Integration.Connectors.Payment;

/// <summary>
/// Why a payment operation refused a request: a closed set (each case is nested here), each with its stable
/// <see cref="Code"/>. The connector says what went wrong; the host decides the HTTP status and wording.
/// </summary>
public abstract record PaymentError
{
    private PaymentError()
    {
    }

    /// <summary>The stable <c>code</c> of the problem answer (<see cref="ProblemCodes"/>, <see cref="PaymentProblemCodes"/>).</summary>
    public abstract string Code { get; }

    /// <summary>One or more fields of the request are missing or invalid; checked before anything is claimed or stored.</summary>
    /// <param name="Errors">Every bad field, with its own code.</param>
    public sealed record Invalid(IReadOnlyList<FieldError> Errors) : PaymentError
    {
        /// <summary>The field's code when there is one error, <c>validation_failed</c> for several.</summary>
        public override string Code => ProblemCodes.ForFieldErrors(Errors);
    }

    /// <summary>A payment creation without an <c>Idempotency-Key</c> header.</summary>
    public sealed record IdempotencyKeyMissing : PaymentError
    {
        public override string Code => ProblemCodes.IdempotencyKeyMissing;
    }

    /// <summary>The key named another request of this client, or made a payment whose record is past its retention.</summary>
    /// <param name="PastRetention">True when the key already made a payment but its record was deleted after the retention period.</param>
    public sealed record IdempotencyKeyReused(bool PastRetention) : PaymentError
    {
        public override string Code => ProblemCodes.IdempotencyKeyReused;
    }

    /// <summary>The first request with this key is still running.</summary>
    /// <param name="RetryAfter">When its answer is expected at the latest (at least one second).</param>
    public sealed record IdempotencyKeyInFlight(TimeSpan RetryAfter) : PaymentError
    {
        public override string Code => ProblemCodes.IdempotencyKeyInFlight;
    }

    /// <summary>No payment of this client has this id.</summary>
    public sealed record PaymentNotFound : PaymentError
    {
        public override string Code => ProblemCodes.NotFound;
    }

    /// <summary>The payment exists but is paid through VNPAY, so it has no QR code.</summary>
    public sealed record NotVietQr : PaymentError
    {
        public override string Code => PaymentProblemCodes.NotVietQr;
    }

    /// <summary>A VNPAY return URL whose <c>vnp_SecureHash</c> does not verify.</summary>
    public sealed record ReturnNotSigned : PaymentError
    {
        public override string Code => PaymentProblemCodes.InvalidSignature;
    }

    /// <summary>A bank notice without the shared secret's signature (missing or wrong).</summary>
    public sealed record NoticeNotSigned : PaymentError
    {
        public override string Code => PaymentProblemCodes.InvalidSignature;
    }

    /// <summary>A bank notice whose <c>X-Timestamp</c> is too far from the gateway's clock.</summary>
    /// <param name="Tolerance">How far it may be (<c>BankNotices:Tolerance</c>).</param>
    public sealed record NoticeTimestampStale(TimeSpan Tolerance) : PaymentError
    {
        public override string Code => PaymentProblemCodes.StaleTimestamp;
    }
}
