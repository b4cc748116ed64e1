using System.Collections.Concurrent;
using Microsoft.AspNetCore.Authorization;

namespace Integration.Gateway.Security;

/// <summary>
/// The routes' authorization, in place of the framework's middleware and wrapping it. A route whose only
/// authorization is the gateway's scope policies (<see cref="Scopes.Policies"/>), called by a client that holds every
/// scope they require, is passed on at once: that is the answer the framework's middleware would reach, through the
/// policy lookup, the evaluator and its asynchronous steps, on every API call. Everything else (no client, a missing
/// scope, anonymous routes, any other policy) goes to the framework's middleware, so the 401 challenge, the 403 and
/// every other policy keep their one implementation.
/// </summary>
internal sealed class ScopeAuthorizationMiddleware
{
    /// <summary>
    /// The item the framework's middleware leaves for the endpoint middleware, which refuses to run a route with
    /// authorization metadata when it is missing.
    /// </summary>
    private const string AuthorizationRanKey = "__AuthorizationMiddlewareWithEndpointInvoked";

    private static readonly object AuthorizationRan = new();

    private readonly RequestDelegate _next;
    private readonly AuthorizationMiddleware _framework;
    private readonly ConcurrentDictionary<Endpoint, string[]?> _required = new();

    public ScopeAuthorizationMiddleware(RequestDelegate next, IAuthorizationPolicyProvider policies, IServiceProvider services)
    {
        _next = next;
        _framework = new AuthorizationMiddleware(next, policies, services);
    }

    public Task InvokeAsync(HttpContext context)
    {
        if (context.User is ApiClientPrincipal client
            && context.GetEndpoint() is { } endpoint
            && _required.GetOrAdd(endpoint, RequiredScopes) is { } scopes
            && client.HoldsAll(scopes))
        {
            context.Items[AuthorizationRanKey] = AuthorizationRan;
            return _next(context);
        }

        return _framework.Invoke(context);
    }

    /// <summary>
    /// The scopes <paramref name="endpoint"/> requires when its authorization is made only of the gateway's scope
    /// policies (by name, without roles or schemes); null when it has none or anything else, which the framework decides.
    /// </summary>
    internal static string[]? RequiredScopes(Endpoint endpoint)
    {
        var metadata = endpoint.Metadata;
        if (metadata.GetMetadata<AuthorizationPolicy>() is not null || metadata.GetMetadata<IAuthorizationRequirementData>() is not null)
        {
            return null;
        }

        var required = new HashSet<string>(StringComparer.Ordinal);
        foreach (var data in metadata.GetOrderedMetadata<IAuthorizeData>())
        {
            if (!string.IsNullOrEmpty(data.Roles) || !string.IsNullOrEmpty(data.AuthenticationSchemes)
                || data.Policy is null || !Scopes.Policies.TryGetValue(data.Policy, out var scopes))
            {
                return null;
            }

            required.UnionWith(scopes);
        }

        return required.Count > 0 ? [.. required] : null;
    }
}
