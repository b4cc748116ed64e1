using Microsoft.AspNetCore.Authentication;

namespace Integration.Gateway.Security;

/// <summary>
/// The <c>ApiKey</c> scheme: a calling system is authenticated by its <c>X-Api-Key</c> header (see
/// <see cref="ApiKeyClients"/>). Requests are authenticated by <see cref="ApiKeyMiddleware"/>; the scheme answers
/// the authorization middleware's challenge (401) and forbid (403), and any explicit <c>AuthenticateAsync</c>.
/// <para>
/// A plain <see cref="IAuthenticationHandler"/> rather than an <see cref="AuthenticationHandler{TOptions}"/>: the
/// scheme has no options, events or redirects, and the base class's per-request set-up (options lookup, events,
/// result caching and logging) cost more than the key check itself.
/// </para>
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(ApiKeyClients clients) : IAuthenticationHandler
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";

    private HttpContext _context = null!;

    public Task InitializeAsync(AuthenticationScheme scheme, HttpContext context)
    {
        _context = context;
        return Task.CompletedTask;
    }

    public Task<AuthenticateResult> AuthenticateAsync() => Task.FromResult(clients.Authenticate(_context.Request));

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
