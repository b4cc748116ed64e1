using Integration.Core.Monitoring;
using Microsoft.Extensions.DependencyInjection;

namespace Integration.Connectors.NationalPortal;

/// <summary>
/// Logs in with the configured account (<c>POST {portal}/auth</c>): no dossier, no personal data, and the
/// session it gets is thrown away rather than replacing the one the outbox uses.
/// </summary>
internal sealed class PortalProbe(IServiceScopeFactory scopes, TimeProvider time) : IConnectorProbe
{
    public string Connector => NationalPortalServiceCollectionExtensions.ConnectorName;

    public async Task<IReadOnlyList<UpstreamProbeResult>> ProbeAsync(CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<PortalClient>().LoginAsync(cancellationToken);
            return [new UpstreamProbeResult(PortalClient.Upstream, true, time.GetElapsedTime(started).TotalMilliseconds, null)];
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            var error = ex is Integration.Core.Problems.GatewayProblemException g ? g.Detail ?? g.Title : ex.GetType().Name;
            return [new UpstreamProbeResult(PortalClient.Upstream, false, time.GetElapsedTime(started).TotalMilliseconds, error)];
        }
    }
}
