using Integration.Core.Monitoring;

namespace Integration.Connectors.NationalPortal;

/// <summary>
/// Logs in with the configured account (<c>POST {portal}/auth</c>): no dossier, no personal data, and the
/// session it gets is thrown away rather than replacing the one the outbox uses (it asks the issuer, not the
/// credential handler's cache).
/// </summary>
internal sealed class PortalProbe(PortalSession session, TimeProvider time) : IConnectorProbe
{
    public string Connector => NationalPortalServiceCollectionExtensions.ConnectorName;

    public async Task<IReadOnlyList<UpstreamProbeResult>> ProbeAsync(CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        try
        {
            await session.IssueAsync(cancellationToken);
            return [new UpstreamProbeResult(PortalClient.Upstream, true, time.GetElapsedTime(started).TotalMilliseconds, null)];
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            var error = ex is Integration.Core.Problems.GatewayProblemException g ? g.Detail ?? g.Title : ex.GetType().Name;
            return [new UpstreamProbeResult(PortalClient.Upstream, false, time.GetElapsedTime(started).TotalMilliseconds, error)];
        }
    }
}
