namespace Integration.Core.Monitoring;

/// <summary>
/// A connector's active probe: the cheapest harmless call to each of its upstreams (no personal
/// data, no side effects), run on a schedule and on an operator's request. Results feed the
/// connector's state; they never trip a circuit on their own.
/// </summary>
public interface IConnectorProbe
{
    /// <summary>The connector's name, as in <c>Connectors:&lt;Name&gt;</c>.</summary>
    string Connector { get; }

    /// <summary>Probes every upstream; one result per upstream, never throws for an upstream failure.</summary>
    Task<IReadOnlyList<UpstreamProbeResult>> ProbeAsync(CancellationToken cancellationToken);
}

/// <summary>One upstream's probe outcome.</summary>
public sealed record UpstreamProbeResult(string Upstream, bool Ok, double DurationMs, string? Error);
