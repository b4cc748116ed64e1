using System.Diagnostics;
using Integration.Core.Monitoring;

namespace Integration.Gateway.Operations;

/// <summary>
/// Runs the connectors' active probes and records each upstream's result in the health registry.
/// Probes bypass retries and breakers (see <c>MarkAsProbe</c>): they inform the state, never trip a circuit.
/// </summary>
internal sealed class ProbeRunner(IEnumerable<IConnectorProbe> probes, ConnectorHealthRegistry registry, TimeProvider time, ILogger<ProbeRunner> logger)
{
    public IReadOnlyCollection<string> Connectors => probes.Select(p => p.Connector).ToList();

    public async Task<IReadOnlyList<UpstreamProbeResult>> ProbeAsync(string connector, CancellationToken cancellationToken)
    {
        var results = new List<UpstreamProbeResult>();
        foreach (var probe in probes.Where(p => string.Equals(p.Connector, connector, StringComparison.OrdinalIgnoreCase)))
        {
            results.AddRange(await RunAsync(probe, cancellationToken));
        }

        await RefreshBacklogAsync(registry.Connector(connector), cancellationToken);
        return results;
    }

    public async Task ProbeAllAsync(CancellationToken cancellationToken)
    {
        foreach (var probe in probes)
        {
            await RunAsync(probe, cancellationToken);
        }

        foreach (var connector in registry.Connectors)
        {
            await RefreshBacklogAsync(connector, cancellationToken);
        }
    }

    private async Task<IReadOnlyList<UpstreamProbeResult>> RunAsync(IConnectorProbe probe, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        IReadOnlyList<UpstreamProbeResult> results;
        try
        {
            results = await probe.ProbeAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // A probe must not throw; if one does, every upstream of the connector is reported failed.
            var elapsed = time.GetElapsedTime(started).TotalMilliseconds;
            results = registry.Connector(probe.Connector).Upstreams
                .Select(u => new UpstreamProbeResult(u.Upstream, false, elapsed, ex.GetType().Name)).ToList();
        }

        var connector = registry.Connector(probe.Connector);
        foreach (var r in results)
        {
            connector.Upstream(r.Upstream).LastProbe = new ProbeResult(time.GetUtcNow(), r.Ok, r.DurationMs, r.Error);
            if (!r.Ok)
            {
                Log.ProbeFailed(logger, probe.Connector, r.Upstream, r.Error ?? "failed");
            }
        }

        return results;
    }

    private static async Task RefreshBacklogAsync(ConnectorHealth connector, CancellationToken cancellationToken)
    {
        if (connector.Backlog is { } backlog)
        {
            try
            {
                connector.LastBacklog = await backlog(cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The store is unreachable: /health/ready says so; keep the last figures.
            }
        }
    }
}
