using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Features.Authentication;

namespace Integration.Gateway.Security;

/// <summary>
/// Authenticates every request by its API key, in place of the framework's authentication middleware, with the same
/// outcome: a known key's client becomes <see cref="HttpContext.User"/> and its result is left for the authorization
/// middleware (<see cref="IAuthenticateResultFeature"/>); a missing or unknown key leaves the request anonymous, and
/// the route's policy answers 401 through the <c>ApiKey</c> scheme.
/// <para>
/// The framework's middleware reaches the same handler through the authentication service, the scheme provider and
/// the handler provider, each resolved from the request's services and each an asynchronous call, and stays on the
/// stack for the whole request. This one does no more than the check itself and passes the request on directly.
/// </para>
/// </summary>
internal sealed class ApiKeyMiddleware(RequestDelegate next, ApiKeyClients clients)
{
    public Task InvokeAsync(HttpContext context)
    {
        var result = clients.Authenticate(context.Request);
        if (result.Succeeded)
        {
            var authenticated = new Authenticated(result);
            context.Features.Set<IHttpAuthenticationFeature>(authenticated);
            context.Features.Set<IAuthenticateResultFeature>(authenticated);
        }

        return next(context);
    }

    private sealed class Authenticated(AuthenticateResult result) : IHttpAuthenticationFeature, IAuthenticateResultFeature
    {
        private AuthenticateResult? _result = result;

        public System.Security.Claims.ClaimsPrincipal? User { get; set; } = result.Principal;

        public AuthenticateResult? AuthenticateResult
        {
            get => _result;
            set
            {
                _result = value;
                User = value?.Principal;
            }
        }
    }
}
