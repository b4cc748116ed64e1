using Integration.Core.Problems;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace Integration.Connectors.Identity.VneId;

/// <summary>
/// The provider as its discovery document describes it (<c>{BaseUrl}/.well-known/openid-configuration</c>:
/// issuer, endpoints, and the signing keys behind <c>jwks_uri</c>), cached and refreshed by
/// <see cref="ConfigurationManager{T}"/>, and the id_token check made with it. Not a Refit call: the library
/// fetches, caches, refreshes and parses both documents (the keys into signing keys) itself, through the
/// HTTP client it is given.
/// </summary>
internal sealed class VneIdDiscovery
{
    /// <summary>Asymmetric algorithms only: never <c>none</c>, never an HMAC keyed with a public key.</summary>
    private static readonly string[] Algorithms =
    [
        SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
        SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384,
    ];

    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(2);

    /// <summary>A key id the cached set does not know makes the keys be read again, at most this often.</summary>
    private static readonly TimeSpan KeyRereadInterval = TimeSpan.FromSeconds(30);

    private readonly ConfigurationManager<OpenIdConnectConfiguration> _manager;
    private readonly string _metadataAddress;
    private readonly HttpDocumentRetriever _retriever;
    private long _lastKeyReread = long.MinValue;
    private readonly JsonWebTokenHandler _handler = new();
    private readonly IOptions<IdentityOptions> _options;
    private readonly TimeProvider _time;

    public VneIdDiscovery(IHttpClientFactory http, IOptions<IdentityOptions> options, TimeProvider time)
    {
        _options = options;
        _time = time;
        var baseUrl = options.Value.VneId.BaseUrl.TrimEnd('/');
        // Through the HTTP client of the connector's VNeID calls: the resilience pipeline, its breaker and its metrics apply.
        _retriever = new HttpDocumentRetriever(http.CreateClient(VneIdClient.HttpClientName))
        {
            RequireHttps = baseUrl.StartsWith("https:", StringComparison.OrdinalIgnoreCase),
        };
        _metadataAddress = baseUrl + "/.well-known/openid-configuration";
        _manager = new ConfigurationManager<OpenIdConnectConfiguration>(_metadataAddress, new OpenIdConnectConfigurationRetriever(), _retriever);
    }

    /// <summary>The provider's configuration; an <see cref="UpstreamUnavailableException"/> when it cannot be read.</summary>
    public Task<OpenIdConnectConfiguration> GetAsync(CancellationToken cancellationToken) =>
        ReadAsync(() => _manager.GetConfigurationAsync(cancellationToken), cancellationToken);

    private static async Task<OpenIdConnectConfiguration> ReadAsync(Func<Task<OpenIdConnectConfiguration>> read, CancellationToken cancellationToken)
    {
        try
        {
            var configuration = await read();
            if (string.IsNullOrEmpty(configuration.AuthorizationEndpoint) || string.IsNullOrEmpty(configuration.TokenEndpoint)
                || string.IsNullOrEmpty(configuration.UserInfoEndpoint) || string.IsNullOrEmpty(configuration.Issuer))
            {
                throw new UpstreamErrorException(VneIdClient.Upstream, "The VNeID discovery document lacks the issuer or an endpoint.");
            }

            return configuration;
        }
        catch (Exception ex) when ((ex is InvalidOperationException or IOException or HttpRequestException or ArgumentException) && !cancellationToken.IsCancellationRequested)
        {
            throw new UpstreamUnavailableException(
                VneIdClient.Upstream, "The VNeID discovery document or its keys could not be read: " + (ex.InnerException ?? ex).Message, inner: ex);
        }
    }

    /// <summary>
    /// Checks the id_token (signature by a key from the provider's JWKS, issuer, audience = our client
    /// id, expiry, and the sign-in's nonce); returns its <c>sub</c>. Throws <see cref="VneIdSignInException"/>
    /// naming what failed. A key the cached JWKS does not know makes one refresh (the provider rotated keys).
    /// </summary>
    public async Task<string> ValidateIdTokenAsync(string idToken, string nonceHash, CancellationToken cancellationToken)
    {
        var configuration = await GetAsync(cancellationToken);
        var result = await _handler.ValidateTokenAsync(idToken, Parameters(configuration));
        if (result.Exception is SecurityTokenSignatureKeyNotFoundException && ClaimKeyReread())
        {
            // The manager refreshes in the background; this sign-in reads the keys now.
            _manager.RequestRefresh();
            configuration = await ReadAsync(() => OpenIdConnectConfigurationRetriever.GetAsync(_metadataAddress, _retriever, cancellationToken), cancellationToken);
            result = await _handler.ValidateTokenAsync(idToken, Parameters(configuration));
        }

        if (!result.IsValid)
        {
            throw new VneIdSignInException(VneIdSignInException.Failed, "The id_token was refused: " + Reason(result.Exception) + ".");
        }

        var token = (JsonWebToken)result.SecurityToken;
        if (!token.TryGetPayloadValue<string>("nonce", out var nonce) || string.IsNullOrEmpty(nonce)
            || !System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
                System.Text.Encoding.ASCII.GetBytes(SecretTokens.Hash(nonce)), System.Text.Encoding.ASCII.GetBytes(nonceHash)))
        {
            throw new VneIdSignInException(VneIdSignInException.Failed, "The id_token was refused: its nonce is not the sign-in's.");
        }

        if (string.IsNullOrEmpty(token.Subject))
        {
            throw new VneIdSignInException(VneIdSignInException.Failed, "The id_token was refused: it has no sub.");
        }

        return token.Subject;
    }

    /// <summary>True at most once per <see cref="KeyRereadInterval"/>, so unknown key ids cannot make the gateway hammer the provider.</summary>
    private bool ClaimKeyReread()
    {
        var now = _time.GetTimestamp();
        var last = Interlocked.Read(ref _lastKeyReread);
        return (last == long.MinValue || _time.GetElapsedTime(last, now) >= KeyRereadInterval)
            && Interlocked.CompareExchange(ref _lastKeyReread, now, last) == last;
    }

    private TokenValidationParameters Parameters(OpenIdConnectConfiguration configuration) => new()
    {
        ValidIssuer = configuration.Issuer,
        ValidAudience = _options.Value.VneId.ClientId,
        IssuerSigningKeys = configuration.SigningKeys,
        ValidAlgorithms = Algorithms,
        RequireSignedTokens = true,
        RequireExpirationTime = true,
        ClockSkew = ClockSkew,
        // The library's own check reads the system clock; this one reads the injected TimeProvider.
        LifetimeValidator = (notBefore, expires, _, _) =>
        {
            var now = _time.GetUtcNow().UtcDateTime;
            return expires is { } exp && now < exp + ClockSkew && (notBefore is not { } nbf || nbf - ClockSkew <= now);
        },
    };

    private static string Reason(Exception? ex) => ex switch
    {
        SecurityTokenSignatureKeyNotFoundException => "it is signed by a key the provider does not publish",
        SecurityTokenInvalidSignatureException => "its signature is not valid",
        SecurityTokenInvalidAlgorithmException => "its signing algorithm is not allowed",
        SecurityTokenInvalidIssuerException => "its issuer is not the provider",
        SecurityTokenInvalidAudienceException => "its audience is not this gateway",
        SecurityTokenInvalidLifetimeException or SecurityTokenExpiredException or SecurityTokenNoExpirationException => "it is expired or not yet valid",
        SecurityTokenMalformedException => "it is not a JWT",
        _ => "it is not valid",
    };
}
