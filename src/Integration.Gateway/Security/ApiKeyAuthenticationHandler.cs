using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Integration.Gateway.Security;

/// <summary>
/// Authenticates a calling system by the <c>X-Api-Key</c> header: the key's SHA-256 is compared in
/// constant time with every configured client's hash, so neither the match nor its position leaks
/// through timing.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    IOptionsMonitor<GatewayOptions> gateway,
    ILoggerFactory logger,
    UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(HeaderName, out var values) || values.Count == 0 || string.IsNullOrEmpty(values[0]))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var key = values[0]!;
        Span<byte> presented = stackalloc byte[32];
        Span<byte> utf8 = Encoding.UTF8.GetMaxByteCount(key.Length) <= 256 ? stackalloc byte[256] : new byte[Encoding.UTF8.GetMaxByteCount(key.Length)];
        SHA256.HashData(utf8[..Encoding.UTF8.GetBytes(key, utf8)], presented);
        GatewayClient? match = null;
        foreach (var (client, expected) in KnownHashes(gateway.CurrentValue))
        {
            if (CryptographicOperations.FixedTimeEquals(presented, expected))
            {
                match ??= client;
            }
        }

        if (match is null)
        {
            return Task.FromResult(AuthenticateResult.Fail("Unknown API key."));
        }

        var claims = new List<Claim> { new(ClaimTypes.Name, match.Name) };
        claims.AddRange(match.Scopes.Select(s => new Claim(Scopes.ClaimType, s)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }

    private static (GatewayOptions Options, (GatewayClient Client, byte[] Hash)[] Hashes)? _known;

    /// <summary>The configured key hashes as bytes, decoded once per configuration rather than per request.</summary>
    private static (GatewayClient Client, byte[] Hash)[] KnownHashes(GatewayOptions options)
    {
        var known = _known;
        if (known is { } k && ReferenceEquals(k.Options, options))
        {
            return k.Hashes;
        }

        var hashes = options.Clients
            .Select(c => (Client: c, Hash: c.KeyHash is { Length: 64 } hex ? Convert.FromHexString(hex) : new byte[32]))
            .ToArray();
        _known = (options, hashes);
        return hashes;
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = $"{SchemeName} header=\"{HeaderName}\"";
        return Task.CompletedTask;
    }
}
