using Integration.Core.Problems;
using Integration.Core.Validation;

namespace Integration.Connectors.Identity.VneId;

/// <summary>
/// Citizen sign-in through VNeID (OpenID Connect with PKCE) for systems that need a verified identity: the
/// host's login and callback routes drive the browser through <see cref="BeginAsync"/> and
/// <see cref="CompleteAsync"/>, and the calling system exchanges the one-time ticket for the profile with
/// <see cref="RedeemAsync"/>. Everything between the steps is in the gateway's durable store.
/// </summary>
public interface IVneIdSignIn
{
    /// <summary>The callback's path as the browser sees it (from <c>VneId:RedirectUri</c>): set the binding cookie for this path only.</summary>
    string CookiePath { get; }

    /// <summary>
    /// The binding cookie a callback with <paramref name="state"/> must carry; null when the state is not one this
    /// broker could have issued (then there is no cookie to read or delete).
    /// </summary>
    string? BindingCookieName(string? state);

    /// <summary>
    /// Starts a sign-in: the provider's authorize URL with state, nonce and the PKCE challenge, and the binding
    /// cookie to set. A missing or malformed return URL is refused with <see cref="IdentityError.Invalid"/>, one
    /// outside <c>VneId:AllowedReturnUrls</c> with <see cref="IdentityError.ReturnUrlNotAllowed"/>; when the
    /// provider's discovery cannot be read the browser goes back to the return URL with
    /// <c>error=temporarily_unavailable</c> and no cookie.
    /// </summary>
    Task<Result<SignInStart, IdentityError>> BeginAsync(string? returnUrl, CancellationToken cancellationToken);

    /// <summary>
    /// Where to send the browser after the provider's callback: the return URL with <c>ticket</c>, or with
    /// <c>error</c> when the provider or the exchange failed. A state that is unknown, used, expired or not bound
    /// to this browser (<paramref name="binding"/> is the binding cookie's value) is refused with
    /// <see cref="IdentityError.SignInStateInvalid"/>: without it there is no trusted return URL.
    /// </summary>
    Task<Result<Uri, IdentityError>> CompleteAsync(string? state, string? code, string? error, string? binding, CancellationToken cancellationToken);

    /// <summary>
    /// The profile a ticket stands for, once, to the client it is bound to. The request is checked first: the
    /// purpose (<see cref="LookupPurpose"/>; <paramref name="purposeHeader"/> wins over the request's) and the
    /// ticket are required, and a request missing either is refused with <see cref="IdentityError.Invalid"/> naming
    /// every bad field, before the store is read. A ticket that is unknown, used, expired, or bound to another
    /// client (for which it stays redeemable) is <see cref="IdentityError.TicketNotFound"/>. The redemption is
    /// audited with the purpose.
    /// </summary>
    /// <param name="request">The ticket and purpose as the caller sent them.</param>
    /// <param name="purposeHeader">The <c>X-Purpose</c> header, if any.</param>
    /// <param name="cancellationToken">Cancels this caller's wait.</param>
    Task<Result<VneIdProfile, IdentityError>> RedeemAsync(TicketRedemptionRequest request, string? purposeHeader, CancellationToken cancellationToken);
}
