using System.Text.Json.Serialization;
using Integration.Core.Caching;
using Integration.Core.Problems;
using Integration.Core.Validation;

namespace Integration.Connectors.Identity;

/// <summary>
/// Checks a citizen's identity data against the population database (C06), through the LGSP token,
/// the shared cache (stale-if-error) and the audit log. Resolve it from DI; it is cheap to create.
/// </summary>
public interface ICitizenVerifier
{
    /// <summary>
    /// The field errors <see cref="VerifyAsync"/> would reject <paramref name="request"/> with (empty
    /// when it is valid), so a caller combining several checks can report every error before calling
    /// any upstream.
    /// </summary>
    IReadOnlyList<FieldError> Validate(CitizenVerificationRequest request, string? purposeHeader);

    /// <summary>
    /// Validates the request locally (refused with <see cref="IdentityError.Invalid"/> carrying every field
    /// error, before any upstream call), then answers from the cache or C06 and writes an audit record of the
    /// lookup. Upstream failures are not refusals: they leave as <see cref="UpstreamException"/>s, unless an
    /// older answer can be served marked <see cref="CitizenVerification.Stale"/>.
    /// </summary>
    /// <param name="request">The data as the caller sent it.</param>
    /// <param name="purposeHeader">The <c>X-Purpose</c> header, which wins over the request's purpose (see <see cref="LookupPurpose"/>).</param>
    /// <param name="cancellationToken">Cancels this caller's wait.</param>
    Task<Result<CitizenVerification, IdentityError>> VerifyAsync(CitizenVerificationRequest request, string? purposeHeader, CancellationToken cancellationToken);
}

/// <summary>The identity data to check, as the caller sent it.</summary>
/// <param name="IdNumber">A 12-digit CCCD, or a 9-digit CMND (accepted as a lookup key only).</param>
/// <param name="FullName">Sent to C06 as given (Unicode NFC), never transliterated.</param>
/// <param name="DateOfBirth"><c>yyyy-MM-dd</c>; its year must be the one a CCCD implies.</param>
/// <param name="Purpose">Why the data is looked up (the procedure), required and audited, unless the <c>X-Purpose</c> header gives it.</param>
public sealed record CitizenVerificationRequest(string? IdNumber, string? FullName, string? DateOfBirth, string? Purpose = null);

/// <summary>The answer of a citizen check.</summary>
/// <param name="Result">Whether the data matches the population database.</param>
/// <param name="MismatchedFields">For <see cref="CitizenMatch.Mismatch"/>, the fields that differ; otherwise empty.</param>
/// <param name="IdentityLevel">The citizen's e-ID level (1 or 2) when the person exists and C06 says it.</param>
/// <param name="Source">Whether C06 was asked for this answer or the cache served it.</param>
/// <param name="Stale">True when C06 failed and an older answer (within <c>C06:StaleTtl</c>) was served.</param>
/// <param name="IdNumberMasked">The ID number as it may be shown: <c>001*******45</c>.</param>
/// <param name="CheckedAt">When C06 gave this answer.</param>
public sealed record CitizenVerification(
    CitizenMatch Result,
    IReadOnlyList<CitizenField> MismatchedFields,
    int? IdentityLevel,
    CacheSource Source,
    bool Stale,
    string IdNumberMasked,
    DateTimeOffset CheckedAt);

/// <summary>The outcome of a citizen check (JSON: <c>match</c>, <c>mismatch</c>, <c>not_found</c>).</summary>
public enum CitizenMatch
{
    /// <summary>The person exists and every field matches (C06 <c>00</c>).</summary>
    Match,

    /// <summary>The person exists but some fields differ (C06 <c>01</c>).</summary>
    Mismatch,

    /// <summary>No person with this number (C06 <c>02</c>).</summary>
    NotFound,
}

/// <summary>A checked field, named as in the request (JSON: <c>fullName</c>, <c>dateOfBirth</c>).</summary>
public enum CitizenField
{
    [JsonStringEnumMemberName("fullName")]
    FullName,

    [JsonStringEnumMemberName("dateOfBirth")]
    DateOfBirth,
}
