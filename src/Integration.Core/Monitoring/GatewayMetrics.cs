using System.Diagnostics.Metrics;

namespace Integration.Core.Monitoring;

/// <summary>
/// The gateway's instruments (meter <c>Integration.Gateway</c>), exported over OTLP when an
/// endpoint is configured. Tags never carry personal data.
/// </summary>
public sealed class GatewayMetrics
{
    public const string MeterName = "Integration.Gateway";

    public GatewayMetrics(IMeterFactory meterFactory)
    {
        Meter = meterFactory.Create(MeterName);
        Calls = Meter.CreateCounter<long>("gateway.connector.calls", "{call}", "Connector operations by outcome.");
        Duration = Meter.CreateHistogram<double>("gateway.connector.duration", "ms", "Connector operation duration.");
        Attempts = Meter.CreateCounter<long>("gateway.upstream.attempts", "{attempt}", "HTTP attempts sent to upstreams.");
        Retries = Meter.CreateCounter<long>("gateway.upstream.retries", "{retry}", "Retries of upstream calls.");
        CircuitTransitions = Meter.CreateCounter<long>("gateway.circuit.transitions", "{transition}", "Circuit breaker state changes.");
        CacheLookups = Meter.CreateCounter<long>("gateway.cache.lookups", "{lookup}", "Cache lookups by result (hit, miss, stale).");
    }

    public Meter Meter { get; }

    public Counter<long> Calls { get; }

    public Histogram<double> Duration { get; }

    public Counter<long> Attempts { get; }

    public Counter<long> Retries { get; }

    public Counter<long> CircuitTransitions { get; }

    public Counter<long> CacheLookups { get; }
}
