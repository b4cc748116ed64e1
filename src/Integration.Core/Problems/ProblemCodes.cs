namespace Integration.Core.Problems;

/// <summary>
/// The stable <c>code</c> values of the gateway's problem-details answers. Callers branch on these,
/// never on titles or messages: do not rename one once released.
/// </summary>
public static class ProblemCodes
{
    public const string ValidationFailed = "validation_failed";

    /// <summary>The code of a 400 for invalid fields: the field's own code when one field is wrong, <see cref="ValidationFailed"/> for several.</summary>
    public static string ForFieldErrors(IReadOnlyList<FieldError> errors) => errors.Count == 1 ? errors[0].Code : ValidationFailed;
    public const string MalformedJson = "malformed_json";
    public const string InvalidFieldType = "invalid_field_type";
    public const string MissingField = "missing_field";
    public const string InvalidField = "invalid_field";
    public const string UnsupportedMediaType = "unsupported_media_type";
    public const string PayloadTooLarge = "payload_too_large";
    public const string BadRequest = "bad_request";
    public const string Unauthenticated = "unauthenticated";
    public const string Forbidden = "forbidden";
    public const string RateLimited = "rate_limited";
    public const string NotFound = "not_found";
    public const string MethodNotAllowed = "method_not_allowed";
    public const string Conflict = "conflict";
    public const string InternalError = "internal_error";
    public const string StoreUnavailable = "store_unavailable";

    public const string InvalidIdNumber = "invalid_id_number";
    public const string DateOfBirthMismatch = "date_of_birth_mismatch";
    public const string InvalidPhoneNumber = "invalid_phone_number";
    public const string MissingPurpose = "missing_purpose";

    public const string IdempotencyKeyMissing = "idempotency_key_missing";
    public const string IdempotencyKeyReused = "idempotency_key_reused";
    public const string IdempotencyKeyInFlight = "idempotency_key_in_flight";

    public const string UpstreamTimeout = "upstream_timeout";
    public const string UpstreamUnavailable = "upstream_unavailable";
    public const string UpstreamError = "upstream_error";
    public const string UpstreamRejected = "upstream_rejected";
}
