namespace Integration.Gateway.Endpoints;

/// <summary><c>/api/v1/telco</c>.</summary>
internal static class TelcoEndpoints
{
    public static IEndpointRouteBuilder MapTelcoEndpoints(this IEndpointRouteBuilder app)
    {
        return app;
    }
}
