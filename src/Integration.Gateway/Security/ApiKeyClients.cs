using System.Collections.Frozen;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using Integration.Core.Hosting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Integration.Gateway.Security;

/// <summary>
/// The configured calling systems, decoded once per configuration (it can be reloaded) rather than per request:
/// each key hash as bytes, and each client's principal (name and scopes), authentication result and rate-limit
/// partition, which nothing changes after sign-in.
/// <para>
/// A presented key's SHA-256 is compared in constant time with every configured client's hash, so neither the match
/// nor its position leaks through timing.
/// </para>
/// </summary>
internal sealed class ApiKeyClients(IOptionsMonitor<GatewayOptions> gateway)
{
    private static readonly AuthenticateResult NoKey = AuthenticateResult.NoResult();
    private static readonly AuthenticateResult UnknownKey = AuthenticateResult.Fail("Unknown API key.");

    private Known? _known;

    /// <summary>
    /// The request's <c>X-Api-Key</c> header: the client's (shared, immutable) success, a failure for a key no
    /// client has, or no result without a key.
    /// </summary>
    public AuthenticateResult Authenticate(HttpRequest request) =>
        request.Headers.TryGetValue(ApiKeyAuthenticationHandler.HeaderName, out var values) && values.Count > 0 && values[0] is { Length: > 0 } key
            ? Find(key)?.Authenticated ?? UnknownKey
            : NoKey;

    /// <summary>The client whose key is <paramref name="key"/>, or null for an unknown key.</summary>
    private ApiClientPrincipal? Find(string key)
    {
        Span<byte> presented = stackalloc byte[32];
        var length = Encoding.UTF8.GetMaxByteCount(key.Length);
        Span<byte> utf8 = length <= 256 ? stackalloc byte[256] : new byte[length];
        SHA256.HashData(utf8[..Encoding.UTF8.GetBytes(key, utf8)], presented);
        ApiClientPrincipal? match = null;
        foreach (var client in Clients())
        {
            if (CryptographicOperations.FixedTimeEquals(presented, client.KeyHash))
            {
                match ??= client;
            }
        }

        return match;
    }

    private ApiClientPrincipal[] Clients()
    {
        var options = gateway.CurrentValue;
        var known = _known;
        if (known is not null && ReferenceEquals(known.Options, options))
        {
            return known.Clients;
        }

        var clients = options.Clients.Select(c => new ApiClientPrincipal(c)).ToArray();
        _known = new Known(options, clients);
        return clients;
    }

    private sealed record Known(GatewayOptions Options, ApiClientPrincipal[] Clients);
}

/// <summary>A configured calling system as the API key authenticated it.</summary>
internal sealed class ApiClientPrincipal : ClientPrincipal
{
    public ApiClientPrincipal(GatewayClient client)
        : base(client.Name, new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, client.Name), .. client.Scopes.Select(s => new Claim(Scopes.ClaimType, s))],
            ApiKeyAuthenticationHandler.SchemeName))
    {
        KeyHash = client.KeyHash is { Length: 64 } hex ? Convert.FromHexString(hex) : new byte[32];
        _scopes = client.Scopes.ToFrozenSet(StringComparer.Ordinal);
        Authenticated = AuthenticateResult.Success(new AuthenticationTicket(this, ApiKeyAuthenticationHandler.SchemeName));
        var permits = client.PermitPerMinute;
        RateLimit = RateLimitPartition.GetFixedWindowLimiter(client.Name, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permits,
            Window = TimeSpan.FromMinutes(1),
            QueueLimit = 0,
        });
    }

    private readonly FrozenSet<string> _scopes;

    /// <summary>Whether the client holds every one of <paramref name="scopes"/> (its <c>scope</c> claims, compared as the policies do).</summary>
    public bool HoldsAll(string[] scopes)
    {
        foreach (var scope in scopes)
        {
            if (!_scopes.Contains(scope))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>SHA-256 of the client's key (32 zero bytes when the configured hash is malformed: no key matches it).</summary>
    public byte[] KeyHash { get; }

    public AuthenticateResult Authenticated { get; }

    /// <summary>The client's own fixed window (<see cref="GatewayClient.PermitPerMinute"/> per minute).</summary>
    public RateLimitPartition<string> RateLimit { get; }
}
