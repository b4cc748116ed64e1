using Integration.Core.Caching;
using Integration.Core.Problems;
using Integration.Core.Validation;

namespace Integration.Connectors.Telco;

/// <summary>
/// Answers "is this phone number registered in this citizen's name?": finds the number's current
/// carrier through the portability lookup (the prefix table when the lookup is down), asks that
/// carrier in its own protocol, and explains the answer in Vietnamese for the one-stop desk.
/// </summary>
public interface ISubscriberOwnershipChecker
{
    /// <summary>
    /// The field errors <see cref="CheckAsync"/> would reject <paramref name="request"/> with (empty when it
    /// is valid), so a caller combining several checks can report every error before calling any upstream.
    /// </summary>
    IReadOnlyList<FieldError> Validate(SubscriberCheckRequest request, string? purposeHeader);

    /// <summary>
    /// Validates the request locally (refused with <see cref="TelcoError.Invalid"/> carrying every field error,
    /// before any upstream call), then checks the number against the ID number. Answers are cached for
    /// <c>Connectors:Telco:CacheTtl</c> (served stale, and marked so, for up to <c>StaleTtl</c> when the
    /// carrier fails); every call writes an audit row with the number and the ID masked.
    /// </summary>
    /// <param name="request">The number, CCCD or CMND and purpose as the caller sent them.</param>
    /// <param name="purposeHeader">The <c>X-Purpose</c> header, which wins over the request's purpose (see <see cref="LookupPurpose"/>).</param>
    /// <param name="cancellationToken">Cancels this caller's wait.</param>
    /// <returns>The carrier's answer, never containing the ID number; or why the request was refused.</returns>
    /// <exception cref="UpstreamException">
    /// Not a refusal: the carrier could not answer (down, open circuit, time budget spent, or an answer that is an
    /// error) and no earlier answer was kept; <see cref="GatewayProblemException.Remediation"/>
    /// carries the Vietnamese text for the desk. A portability lookup that is down never throws: the
    /// check routes by prefix instead.
    /// </exception>
    Task<Result<SubscriberCheckResult, TelcoError>> CheckAsync(SubscriberCheckRequest request, string? purposeHeader, CancellationToken cancellationToken);
}

/// <summary>A subscriber check as the caller sent it: the number as the citizen gave it, their CCCD or CMND, and why it is looked up.</summary>
public sealed record SubscriberCheckRequest(string? PhoneNumber, string? IdNumber, string? Purpose = null);

/// <summary>Whether a subscriber is registered in the citizen's name.</summary>
public enum SubscriberOwnership
{
    /// <summary>Registered in the citizen's name.</summary>
    Owner,

    /// <summary>Registered in someone else's name.</summary>
    NotOwner,

    /// <summary>No carrier has issued the number, or the carrier has no subscriber on it.</summary>
    Unregistered,

    /// <summary>Cannot be told: the carrier has no ownership service, or the route is uncertain (see <see cref="SubscriberCheckResult.Reason"/>).</summary>
    Unknown,
}

/// <summary>How the carrier that was asked was found.</summary>
public enum SubscriberRouting
{
    /// <summary>The number portability lookup named the current carrier.</summary>
    Portability,

    /// <summary>The portability lookup was down; the carrier the prefix was allocated to was asked.</summary>
    PrefixFallback,
}

/// <summary>The subscriber's service state, where the carrier tells it (VNPT only).</summary>
public enum SubscriberStatus
{
    /// <summary>In service (VNPT <c>HOAT_DONG</c>).</summary>
    Active,

    /// <summary>Suspended (VNPT <c>TAM_KHOA</c>): it will not receive the account's OTP.</summary>
    Suspended,
}

/// <summary>Why the ownership is <see cref="SubscriberOwnership.Unknown"/>.</summary>
public enum UnknownOwnershipReason
{
    /// <summary>The current carrier (Vietnamobile, Gmobile, Itel, Reddi) offers no ownership service.</summary>
    NoOwnershipService,

    /// <summary>Routed by prefix, and that carrier has no such subscriber: the number has probably been ported away.</summary>
    PortabilityUnavailable,
}

/// <summary>The answer of a subscriber check. It never carries the ID number.</summary>
/// <param name="PhoneNumber">The number in E.164, e.g. <c>+84912345678</c>.</param>
/// <param name="Carrier">The carrier asked (the current one when routed by portability); null when no carrier has issued the number.</param>
/// <param name="Ported">True when the number has left the carrier of its prefix; null when unknown (routed by prefix, or never issued).</param>
/// <param name="Ownership">The carrier's answer.</param>
/// <param name="RoutedBy">How <paramref name="Carrier"/> was found.</param>
/// <param name="Status">The subscriber's state, when the carrier tells it.</param>
/// <param name="Reason">Set when <paramref name="Ownership"/> is <see cref="SubscriberOwnership.Unknown"/>.</param>
/// <param name="Remediation">Vietnamese guidance for the desk when something stands in the citizen's way; null when nothing does.</param>
/// <param name="Source">Whether the carrier's answer was fetched now or served from the cache.</param>
/// <param name="Stale">True when a cached answer was served because an upstream failed.</param>
/// <param name="CheckedAt">When the carrier's answer was fetched, in Vietnam time (UTC+7).</param>
public sealed record SubscriberCheckResult(
    string PhoneNumber,
    Carrier? Carrier,
    bool? Ported,
    SubscriberOwnership Ownership,
    SubscriberRouting RoutedBy,
    SubscriberStatus? Status,
    UnknownOwnershipReason? Reason,
    string? Remediation,
    CacheSource Source,
    bool Stale,
    DateTimeOffset CheckedAt);
