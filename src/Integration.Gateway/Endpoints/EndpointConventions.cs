using Integration.Gateway.Security;

namespace Integration.Gateway.Endpoints;

/// <summary>
/// How every area maps its routes, so that the OpenAPI document declares each problem a route can answer:
/// a group per area and scope (tag, API-key scope, per-client rate limit, and the 401/403/429 every such
/// route can answer), then named handlers, each declaring its own problems with the helpers below.
/// </summary>
internal static class EndpointConventions
{
    /// <summary>A group of routes that need an API key with <paramref name="scope"/>.</summary>
    public static RouteGroupBuilder MapApiGroup(this IEndpointRouteBuilder app, string prefix, string tag, string scope) =>
        app.MapGroup(prefix)
            .WithTags(tag)
            .RequireAuthorization(scope)
            .RequireRateLimiting(SecurityServiceCollectionExtensions.ClientRateLimit)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

    /// <summary>A route whose query or path is parsed: 400 with every field error.</summary>
    public static RouteHandlerBuilder ProducesValidationProblems(this RouteHandlerBuilder route) =>
        route.ProducesProblem(StatusCodes.Status400BadRequest);

    /// <summary>A route with a JSON body: 400 field errors, 413 too large, 415 not JSON.</summary>
    public static RouteHandlerBuilder ProducesBodyProblems(this RouteHandlerBuilder route) =>
        route.ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

    /// <summary>A route that calls an upstream while the caller waits: 502 bad answer, 503 down or circuit open, 504 too slow.</summary>
    public static RouteHandlerBuilder ProducesUpstreamProblems(this RouteHandlerBuilder route) =>
        route.ProducesProblem(StatusCodes.Status502BadGateway)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .ProducesProblem(StatusCodes.Status504GatewayTimeout);

    /// <summary>A route that must commit to the store before it answers (an audit row, a queued message): 503 <c>store_unavailable</c>.</summary>
    public static RouteHandlerBuilder ProducesStoreProblem(this RouteHandlerBuilder route) =>
        route.ProducesProblem(StatusCodes.Status503ServiceUnavailable);

    /// <summary>A route addressing one thing by its identifier: 404 when there is no such thing.</summary>
    public static RouteHandlerBuilder ProducesNotFound(this RouteHandlerBuilder route) =>
        route.ProducesProblem(StatusCodes.Status404NotFound);
}
