using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Integration.Gateway.Security;

/// <summary>
/// Authenticates a calling system by the <c>X-Api-Key</c> header: the key's SHA-256 is compared in
/// constant time with every configured client's hash, so neither the match nor its position leaks
/// through timing.
/// <para>
/// A plain <see cref="IAuthenticationHandler"/> rather than an <see cref="AuthenticationHandler{TOptions}"/>: the
/// scheme has no options, events or redirects, and the base class's per-request set-up (options lookup, events,
/// result caching and logging) cost more than the key check itself on every API call.
/// </para>
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(IOptionsMonitor<GatewayOptions> gateway) : IAuthenticationHandler
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";

    private HttpContext _context = null!;

    public Task InitializeAsync(AuthenticationScheme scheme, HttpContext context)
    {
        _context = context;
        return Task.CompletedTask;
    }

    public Task<AuthenticateResult> AuthenticateAsync()
    {
        if (!_context.Request.Headers.TryGetValue(HeaderName, out var values) || values.Count == 0 || string.IsNullOrEmpty(values[0]))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var key = values[0]!;
        Span<byte> presented = stackalloc byte[32];
        Span<byte> utf8 = Encoding.UTF8.GetMaxByteCount(key.Length) <= 256 ? stackalloc byte[256] : new byte[Encoding.UTF8.GetMaxByteCount(key.Length)];
        SHA256.HashData(utf8[..Encoding.UTF8.GetBytes(key, utf8)], presented);
        Task<AuthenticateResult>? match = null;
        foreach (var known in KnownClients(gateway.CurrentValue))
        {
            if (CryptographicOperations.FixedTimeEquals(presented, known.Hash))
            {
                match ??= known.Result;
            }
        }

        return match ?? Task.FromResult(AuthenticateResult.Fail("Unknown API key."));
    }

    /// <summary>A configured client: its key hash as bytes, and the (immutable) result that authenticates it.</summary>
    private sealed record KnownClient(byte[] Hash, Task<AuthenticateResult> Result);

    private static (GatewayOptions Options, KnownClient[] Clients)? _known;

    /// <summary>
    /// The configured clients, decoded once per configuration rather than per request: the key hashes as bytes,
    /// and each client's principal (name and scopes), which nothing in the gateway changes after sign-in.
    /// </summary>
    private static KnownClient[] KnownClients(GatewayOptions options)
    {
        var known = _known;
        if (known is { } k && ReferenceEquals(k.Options, options))
        {
            return k.Clients;
        }

        var clients = options.Clients
            .Select(c => new KnownClient(c.KeyHash is { Length: 64 } hex ? Convert.FromHexString(hex) : new byte[32], Authenticated(c)))
            .ToArray();
        _known = (options, clients);
        return clients;
    }

    private static Task<AuthenticateResult> Authenticated(GatewayClient client)
    {
        var claims = new List<Claim> { new(ClaimTypes.Name, client.Name) };
        claims.AddRange(client.Scopes.Select(s => new Claim(Scopes.ClaimType, s)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }

    /// <summary>401, naming the header the key goes in (the problem-details body is written by the status-code pages).</summary>
    public Task ChallengeAsync(AuthenticationProperties? properties)
    {
        _context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        _context.Response.Headers.WWWAuthenticate = $"{SchemeName} header=\"{HeaderName}\"";
        return Task.CompletedTask;
    }

    /// <summary>403: the key is known but lacks the route's scope.</summary>
    public Task ForbidAsync(AuthenticationProperties? properties)
    {
        _context.Response.StatusCode = StatusCodes.Status403Forbidden;
        return Task.CompletedTask;
    }
}
