namespace Integration.Gateway.Endpoints;

/// <summary><c>/api/v1/identity</c>.</summary>
internal static class IdentityEndpoints
{
    public static IEndpointRouteBuilder MapIdentityEndpoints(this IEndpointRouteBuilder app)
    {
        return app;
    }
}
