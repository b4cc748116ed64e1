namespace Integration.Connectors.Payment;

/// <summary>Stable <c>code</c> values of the Payment connector's problem answers (besides the shared <c>Integration.Core.Problems.ProblemCodes</c>).</summary>
public static class PaymentProblemCodes
{
    public const string InvalidAmount = "invalid_amount";
    public const string InvalidPaymentMethod = "invalid_payment_method";
    public const string InvalidReturnUrl = "invalid_return_url";
    public const string InvalidIdempotencyKey = "invalid_idempotency_key";
    public const string InvalidSignature = "invalid_signature";
    public const string StaleTimestamp = "stale_timestamp";
    public const string NotVietQr = "not_vietqr";
}
