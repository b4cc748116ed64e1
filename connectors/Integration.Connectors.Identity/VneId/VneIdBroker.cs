using System.Text.Json;
using Integration.Core.Audit;
using Integration.Core.Hosting;
using Integration.Core.Monitoring;
using Integration.Core.Problems;
using Integration.Core.Validation;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Integration.Connectors.Identity.VneId;

/// <summary>
/// The VNeID sign-in broker: login (state, PKCE S256, a browser-binding cookie, an allowed return
/// URL), callback (state and binding checked, code exchanged, userinfo read, one-time ticket issued)
/// and ticket redemption. Everything between the steps is in the durable store.
/// </summary>
internal sealed class VneIdBroker(
    VneIdClient client,
    VneIdDiscovery discovery,
    SignInStore store,
    CallerContext caller,
    ConnectorTelemetry telemetry,
    AuditLog audit,
    IOptions<IdentityOptions> options,
    TimeProvider time,
    ILogger<VneIdBroker> logger) : IVneIdSignIn
{
    public const string StateInvalidCode = "sign_in_state_invalid";
    public const string UnavailableError = "temporarily_unavailable";

    /// <summary>OAuth error codes a provider may send that are worth passing on to the return URL as they are.</summary>
    private static readonly IReadOnlySet<string> ProviderErrors = new HashSet<string>(StringComparer.Ordinal)
    {
        "access_denied", "login_required", "consent_required", "interaction_required", "account_selection_required",
        "temporarily_unavailable", "server_error", "invalid_request", "invalid_scope", "unauthorized_client",
        "unsupported_response_type",
    };

    private VneIdOptions Options => options.Value.VneId;

    public string CookiePath => new Uri(Options.RedirectUri).AbsolutePath;

    public string? BindingCookieName(string? state) => SecretTokens.IsWellFormed(state) ? CookieName(state!) : null;

    /// <summary>The browser cookie that ties a sign-in to the browser that started it (OAuth 2.0 Security BCP, state binding).</summary>
    private static string CookieName(string state) => "vneid-" + state[..16];

    /// <summary>
    /// Starts a sign-in: the provider's authorize URL (from discovery) with state, nonce and the PKCE
    /// challenge, and the binding cookie. When the provider's discovery cannot be read the browser goes
    /// back to the return URL with <c>error=temporarily_unavailable</c> and no cookie.
    /// </summary>
    public async Task<Result<SignInStart, IdentityError>> BeginAsync(string? returnUrl, CancellationToken cancellationToken)
    {
        var o = Options;
        var checkedUrl = ReturnUrlPolicy.Check(returnUrl, o.AllowedReturnUrls);
        if (!checkedUrl.Succeeded)
        {
            return checkedUrl.Error;
        }

        var (target, owner) = (checkedUrl.Value.Url, checkedUrl.Value.Client);
        Uri authorizeEndpoint;
        try
        {
            authorizeEndpoint = new Uri((await discovery.GetAsync(cancellationToken)).AuthorizationEndpoint);
        }
        catch (UpstreamException ex)
        {
            return new SignInStart(Failed(target, UnavailableError, $"{ex.Code} from {ex.Upstream}: {ex.Detail}"), null, null, o.SignInLifetime);
        }

        var state = SecretTokens.New();
        var verifier = SecretTokens.New();
        var binding = SecretTokens.New();
        var nonce = SecretTokens.New();
        var now = time.GetUtcNow();
        await store.SaveSignInAsync(
            new PendingSignIn(
                SecretTokens.Hash(state),
                SecretTokens.Hash(binding),
                verifier,
                target.AbsoluteUri,
                now.ToUnixTimeMilliseconds(),
                (now + o.SignInLifetime).ToUnixTimeMilliseconds(),
                SecretTokens.Hash(nonce),
                owner),
            cancellationToken);

        var query = string.Join('&', new (string, string)[]
        {
            ("response_type", "code"),
            ("client_id", o.ClientId),
            ("redirect_uri", o.RedirectUri),
            ("scope", o.Scope),
            ("state", state),
            ("nonce", nonce),
            ("code_challenge", SecretTokens.Challenge(verifier)),
            ("code_challenge_method", "S256"),
        }.Select(p => Uri.EscapeDataString(p.Item1) + "=" + Uri.EscapeDataString(p.Item2)));
        var authorize = new Uri(authorizeEndpoint.AbsoluteUri + (string.IsNullOrEmpty(authorizeEndpoint.Query) ? "?" : "&") + query);

        Log.SignInStarted(logger, target.Host);
        return new SignInStart(authorize, CookieName(state), binding, o.SignInLifetime);
    }

    /// <summary>
    /// Where to send the browser after the provider's callback: the return URL with <c>ticket</c>, or with
    /// <c>error</c> when the provider or the exchange failed. A state that is unknown, used, expired or
    /// not bound to this browser is refused (<see cref="IdentityError.SignInStateInvalid"/>) instead: without it
    /// there is no trusted return URL.
    /// </summary>
    public async Task<Result<Uri, IdentityError>> CompleteAsync(string? state, string? code, string? error, string? binding, CancellationToken cancellationToken)
    {
        if (!SecretTokens.IsWellFormed(state) || !SecretTokens.IsWellFormed(binding))
        {
            return StateRefused();
        }

        var pending = await store.TakeSignInAsync(SecretTokens.Hash(state!), SecretTokens.Hash(binding!), cancellationToken);
        if (pending is null || pending.ExpiresAt <= time.GetUtcNow().ToUnixTimeMilliseconds())
        {
            return StateRefused();
        }

        var returnUrl = new Uri(pending.ReturnUrl);
        if (!string.IsNullOrEmpty(error))
        {
            var passed = ProviderErrors.Contains(error) ? error : VneIdSignInException.Failed;
            return Failed(returnUrl, passed, "the provider answered the authorization with an error");
        }

        if (string.IsNullOrEmpty(code) || code.Length > 2048)
        {
            return Failed(returnUrl, "invalid_request", "the provider's callback carried no code");
        }

        Result<VneIdProfile, VneIdSignInException> signedIn;
        try
        {
            signedIn = await telemetry.TrackAsync(
                IdentityServiceCollectionExtensions.Connector, "vneid_sign_in", ct => ExchangeAsync(pending, code, ct), cancellationToken);
        }
        catch (UpstreamException ex)
        {
            return Failed(returnUrl, ex.Transient ? UnavailableError : VneIdSignInException.Failed, $"{ex.Code} from {ex.Upstream}");
        }

        if (!signedIn.Succeeded)
        {
            return Failed(returnUrl, signedIn.Error.Code, signedIn.Error.Message);
        }

        var profile = signedIn.Value;
        var ticket = SecretTokens.New();
        var now = time.GetUtcNow();
        var lifetime = Options.TicketLifetime;
        await store.SaveTicketAsync(
            new StoredTicket(
                TicketSeal.Id(ticket),
                TicketSeal.Seal(ticket, JsonSerializer.SerializeToUtf8Bytes(profile, IdentityJsonContext.Default.VneIdProfile)),
                now.ToUnixTimeMilliseconds(),
                (now + lifetime).ToUnixTimeMilliseconds(),
                pending.Client),
            cancellationToken);

        audit.RecordLookup("vneid_sign_in", IdentityServiceCollectionExtensions.Connector, null, profile.IdNumber, profile.IdNumberMasked,
            $"signed_in_level_{profile.IdentityLevel}");
        Log.SignInCompleted(logger, profile.IdNumberMasked, profile.IdentityLevel, lifetime);
        return ReturnUrlPolicy.With(returnUrl, "ticket", ticket);
    }

    /// <summary>
    /// Exchanges the code and reads the citizen's profile, with the id_token validated and its subject matched to
    /// userinfo's. What the provider refuses is given back, not thrown: the citizen learns it on the return URL, and
    /// the call is recorded as rejected with its code rather than as a gateway error.
    /// </summary>
    private async Task<Result<VneIdProfile, VneIdSignInException>> ExchangeAsync(PendingSignIn pending, string code, CancellationToken cancellationToken)
    {
        try
        {
            var provider = await discovery.GetAsync(cancellationToken);
            var tokens = await client.ExchangeCodeAsync(new Uri(provider.TokenEndpoint), code, pending.CodeVerifier, cancellationToken);
            var subject = await discovery.ValidateIdTokenAsync(tokens.IdToken!, pending.NonceHash, cancellationToken);
            var info = await client.GetUserInfoAsync(new Uri(provider.UserInfoEndpoint), tokens.AccessToken!, cancellationToken);
            if (!string.Equals(info.Subject, subject, StringComparison.Ordinal))
            {
                // OpenID Connect Core 5.3.2: userinfo of another subject must not be used.
                throw new VneIdSignInException(VneIdSignInException.Failed, "The userinfo's sub is not the id_token's.");
            }

            return VneIdProfile.From(info, time);
        }
        catch (VneIdSignInException ex)
        {
            ConnectorCall.Current?.Reject(ex.Code);
            return ex;
        }
    }

    /// <summary>
    /// The profile a ticket stands for, once, to the client it is bound to. The purpose and the ticket are checked
    /// first (<see cref="IdentityError.Invalid"/> with every field error, nothing read or audited); a ticket that is
    /// unknown, used, expired, or bound to another client (for which it stays redeemable) is
    /// <see cref="IdentityError.TicketNotFound"/>. The redemption is audited with the purpose.
    /// </summary>
    public async Task<Result<VneIdProfile, IdentityError>> RedeemAsync(TicketRedemptionRequest request, string? purposeHeader, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var errors = new List<FieldError>();
        var purpose = LookupPurpose.Parse(purposeHeader, request.Purpose, errors, "redemption");
        if (string.IsNullOrEmpty(request.Ticket))
        {
            errors.Add(new FieldError("ticket", ProblemCodes.MissingField, "ticket is required: the value the sign-in added to the return URL."));
        }

        if (errors.Count > 0)
        {
            return new IdentityError.Invalid(errors);
        }

        var profile = await telemetry.TrackAsync(
            IdentityServiceCollectionExtensions.Connector,
            "vneid_ticket_redeem",
            ct => TakeTicketAsync(request.Ticket!, purpose!.Value, ct),
            cancellationToken);
        return profile is null ? new IdentityError.TicketNotFound() : profile;
    }

    private async Task<VneIdProfile?> TakeTicketAsync(string ticket, string purpose, CancellationToken cancellationToken)
    {
        VneIdProfile? profile = null;
        if (SecretTokens.IsWellFormed(ticket)
            && await store.TakeTicketAsync(TicketSeal.Id(ticket), caller.ClientName, cancellationToken) is { } stored
            && stored.ExpiresAt > time.GetUtcNow().ToUnixTimeMilliseconds()
            && TicketSeal.Open(ticket, stored.Sealed) is { } plain)
        {
            profile = JsonSerializer.Deserialize(plain, IdentityJsonContext.Default.VneIdProfile);
        }

        if (profile is null)
        {
            audit.Record(new AuditRecord("vneid_ticket_redeem", IdentityServiceCollectionExtensions.Connector, ProblemCodes.NotFound, purpose));
            Log.TicketRefused(logger);
            return null;
        }

        await audit.RecordLookupAsync("vneid_ticket_redeem", IdentityServiceCollectionExtensions.Connector, purpose, profile.IdNumber, profile.IdNumberMasked, "redeemed", cancellationToken);
        Log.TicketRedeemed(logger, profile.IdNumberMasked);
        return profile;
    }

    private IdentityError.SignInStateInvalid StateRefused()
    {
        Log.SignInStateRefused(logger);
        return new IdentityError.SignInStateInvalid();
    }

    private Uri Failed(Uri returnUrl, string error, string reason)
    {
        Log.SignInFailed(logger, error, reason);
        audit.Record(new AuditRecord("vneid_sign_in", IdentityServiceCollectionExtensions.Connector, error));
        return ReturnUrlPolicy.With(returnUrl, "error", error);
    }
}

/// <summary>Where to send the browser to sign in, and the binding cookie to set on the way.</summary>
/// <param name="AuthorizeUrl">The provider's authorization URL with state, nonce and the PKCE challenge; or the return URL with an error.</param>
/// <param name="CookieName">The binding cookie's name (one per sign-in, so parallel tabs do not collide); null when the sign-in could not start.</param>
/// <param name="CookieValue">The binding secret; only its hash is stored.</param>
/// <param name="Lifetime">How long the sign-in may take.</param>
public sealed record SignInStart(Uri AuthorizeUrl, string? CookieName, string? CookieValue, TimeSpan Lifetime);
