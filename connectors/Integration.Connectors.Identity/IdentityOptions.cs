using Integration.Core.Http;

namespace Integration.Connectors.Identity;

/// <summary>The Identity connector's settings (<c>Connectors:Identity</c>), checked at start.</summary>
public sealed class IdentityOptions
{
    /// <summary>
    /// The integration platform that issues the bearer token C06 requires (<c>Connectors:Identity:Lgsp</c>:
    /// <c>BaseUrl</c>, the token being requested at <c>{BaseUrl}/token</c>, <c>ClientId</c>, <c>ClientSecret</c>,
    /// <c>RefreshBeforeExpiry</c>); all but the last required.
    /// </summary>
    public ClientCredentialsOptions Lgsp { get; set; } = new();

    /// <summary>The population-database citizen check (<c>Connectors:Identity:C06</c>).</summary>
    public C06Options C06 { get; set; } = new();

    /// <summary>The VNeID sign-in broker (<c>Connectors:Identity:VneId</c>).</summary>
    public VneIdOptions VneId { get; set; } = new();

    /// <summary>How long one probe request to an upstream may take (<c>Connectors:Identity:ProbeTimeout</c>).</summary>
    /// <value>5 seconds.</value>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// C06 citizen check over SOAP 1.1 (docs/upstreams.md, "C06 citizen check"). <c>MaCanBo</c> (the officer
/// account) is the name of the calling client as configured in <c>Gateway:Clients</c>.
/// </summary>
public sealed class C06Options
{
    /// <summary>Base URL; the service is <c>{BaseUrl}/XacThucCongDan</c>. Required.</summary>
    public string BaseUrl { get; set; } = "";

    /// <summary>Sent as <c>MaDVC</c>. Required.</summary>
    public string ServiceCode { get; set; } = "";

    /// <summary>Sent as <c>MaTichHop</c>. Required.</summary>
    public string IntegrationCode { get; set; } = "";

    /// <summary>How long an answer is served from the cache without asking C06 again.</summary>
    /// <value>10 minutes.</value>
    public TimeSpan CacheTtl { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long an answer is kept in all: past <see cref="CacheTtl"/> it is served, marked stale, only
    /// when C06 fails transiently (down, timing out, answering <c>99</c>).
    /// </summary>
    /// <value>24 hours.</value>
    public TimeSpan StaleTtl { get; set; } = TimeSpan.FromHours(24);
}

/// <summary>VNeID OpenID Connect sign-in (docs/upstreams.md, "VNeID sign-in").</summary>
public sealed class VneIdOptions
{
    /// <summary>
    /// Base URL of the provider. Its endpoints (authorize, token, userinfo, JWKS) and issuer are read
    /// from <c>{BaseUrl}/.well-known/openid-configuration</c>. Required.
    /// </summary>
    public string BaseUrl { get; set; } = "";

    /// <summary>Required.</summary>
    public string ClientId { get; set; } = "";

    /// <summary>Required; never logged.</summary>
    public string ClientSecret { get; set; } = "";

    /// <summary>The gateway's callback as registered at the provider (<c>…/api/v1/identity/vneid/callback</c>). Required.</summary>
    public string RedirectUri { get; set; } = "";

    /// <summary>
    /// Where a sign-in may return to, and which calling system owns it (<c>AllowedReturnUrls:0:Prefix</c>,
    /// <c>AllowedReturnUrls:0:Client</c>, …). A return URL must have the same scheme, host and port as a
    /// prefix and a path under its path; anything else is refused, so the broker is no open redirect.
    /// The ticket of a sign-in can be redeemed only by the client owning the (longest) matching prefix.
    /// At least one is required.
    /// </summary>
    public List<VneIdReturnUrl> AllowedReturnUrls { get; set; } = [];

    /// <summary>Scopes requested from the provider.</summary>
    /// <value><c>openid</c>.</value>
    public string Scope { get; set; } = "openid";

    /// <summary>How long a citizen has to finish at the provider after the login redirect.</summary>
    /// <value>10 minutes.</value>
    public TimeSpan SignInLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long the one-time ticket handed to the return URL can be redeemed.</summary>
    /// <value>5 minutes.</value>
    public TimeSpan TicketLifetime { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>One allowed return URL prefix and the calling system whose tickets end there (<c>VneId:AllowedReturnUrls:N</c>).</summary>
public sealed class VneIdReturnUrl
{
    /// <summary>Absolute http(s) URL without user info, query or fragment, e.g. <c>https://motcua.example.gov.vn/vneid/</c>.</summary>
    public string Prefix { get; set; } = "";

    /// <summary>The name of the client in <c>Gateway:Clients</c> (scope <c>identity</c>) that redeems these tickets.</summary>
    public string Client { get; set; } = "";
}
