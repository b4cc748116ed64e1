using Integration.Core.Monitoring;
using Integration.Core.Problems;

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
            // The login's failures are upstream ones (Core's pipeline and the session's own checks): their detail says what the portal did.
            var error = ex is UpstreamException upstream ? upstream.Detail ?? upstream.Title : ex.GetType().Name;
            return [new UpstreamProbeResult(PortalClient.Upstream, false, time.GetElapsedTime(started).TotalMilliseconds, error)];
        }
    }
}
