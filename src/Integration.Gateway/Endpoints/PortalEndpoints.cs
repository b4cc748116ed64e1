namespace Integration.Gateway.Endpoints;

/// <summary><c>/api/v1/portal</c>.</summary>
internal static class PortalEndpoints
{
    public static IEndpointRouteBuilder MapPortalEndpoints(this IEndpointRouteBuilder app)
    {
        return app;
    }
}
