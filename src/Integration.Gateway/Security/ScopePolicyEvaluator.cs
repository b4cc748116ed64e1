using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Authorization.Policy;

namespace Integration.Gateway.Security;

/// <summary>
/// Evaluates the gateway's own policies (an authenticated client holding one or more scopes, see
/// <see cref="Scopes"/>) directly against the principal the API key authenticated; any other policy goes to the
/// framework's evaluator. Same outcomes as the framework's: success, challenge (401) when no client is
/// authenticated, forbid (403) when the client lacks a scope. What it saves on every API call is the general
/// machinery: a new ticket for the already-authenticated principal, an authorization context, the handler
/// lookup and one asynchronous handler call per requirement.
/// </summary>
internal sealed class ScopePolicyEvaluator(IAuthorizationService authorization) : IPolicyEvaluator
{
    private static readonly Task<PolicyAuthorizationResult> Allowed = Task.FromResult(PolicyAuthorizationResult.Success());
    private static readonly Task<PolicyAuthorizationResult> Challenged = Task.FromResult(PolicyAuthorizationResult.Challenge());
    private static readonly Task<PolicyAuthorizationResult> Forbidden = Task.FromResult(PolicyAuthorizationResult.Forbid());
    private static readonly Task<AuthenticateResult> NotAuthenticated = Task.FromResult(AuthenticateResult.NoResult());

    private readonly PolicyEvaluator _framework = new(authorization);

    public Task<AuthenticateResult> AuthenticateAsync(AuthorizationPolicy policy, HttpContext context)
    {
        if (policy.AuthenticationSchemes.Count > 0)
        {
            return _framework.AuthenticateAsync(policy, context);
        }

        // The authentication middleware already ran the default scheme: reuse its result rather than wrap the
        // principal in a new ticket.
        if (context.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult is { Succeeded: true } authenticated)
        {
            return Task.FromResult(authenticated);
        }

        return context.User.Identity?.IsAuthenticated == true ? _framework.AuthenticateAsync(policy, context) : NotAuthenticated;
    }

    public Task<PolicyAuthorizationResult> AuthorizeAsync(AuthorizationPolicy policy, AuthenticateResult authenticationResult, HttpContext context, object? resource)
    {
        if (!OnlyScopes(policy))
        {
            return _framework.AuthorizeAsync(policy, authenticationResult, context, resource);
        }

        var user = context.User;
        if (user.Identity?.IsAuthenticated != true)
        {
            return Challenged;
        }

        foreach (var requirement in policy.Requirements)
        {
            if (requirement is ClaimsAuthorizationRequirement claim && !Holds(user, claim))
            {
                return authenticationResult.Succeeded ? Forbidden : Challenged;
            }
        }

        return Allowed;
    }

    /// <summary>The policy is made of what <see cref="SecurityServiceCollectionExtensions"/> builds: authenticated, holding claims.</summary>
    private static bool OnlyScopes(AuthorizationPolicy policy)
    {
        foreach (var requirement in policy.Requirements)
        {
            if (requirement is not (DenyAnonymousAuthorizationRequirement or ClaimsAuthorizationRequirement))
            {
                return false;
            }
        }

        return true;
    }

    private static bool Holds(ClaimsPrincipal user, ClaimsAuthorizationRequirement requirement)
    {
        var allowed = requirement.AllowedValues;
        foreach (var identity in user.Identities)
        {
            foreach (var claim in identity.Claims)
            {
                if (string.Equals(claim.Type, requirement.ClaimType, StringComparison.OrdinalIgnoreCase)
                    && (allowed is null || !allowed.Any() || allowed.Contains(claim.Value, StringComparer.Ordinal)))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
