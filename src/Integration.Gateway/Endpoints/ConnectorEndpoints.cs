using Integration.Core.Monitoring;
using Integration.Gateway.Security;

namespace Integration.Gateway.Endpoints;

/// <summary><c>/api/v1/connectors</c>: what operators see of each connector and its upstreams.</summary>
internal static class ConnectorEndpoints
{
    /// <summary>The window over which latency percentiles and error rates are computed.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    public static IEndpointRouteBuilder MapConnectorEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/connectors")
            .WithTags("Operations")
            .RequireAuthorization(Scopes.Ops)
            .RequireRateLimiting(SecurityServiceCollectionExtensions.ClientRateLimit);

        group.MapGet("/", (ConnectorHealthRegistry registry) =>
            TypedResults.Ok(registry.Connectors.Select(c => new ConnectorView(
                c.Name,
                c.Isolated,
                c.Upstreams.Select(u => u.Snapshot(Window)).ToList()))));
        return app;
    }

    internal sealed record ConnectorView(string Name, bool Isolated, IReadOnlyList<UpstreamHealthSnapshot> Upstreams);
}
