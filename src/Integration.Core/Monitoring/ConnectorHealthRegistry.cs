using System.Collections.Concurrent;
using Polly.CircuitBreaker;

namespace Integration.Core.Monitoring;

/// <summary>Outbox figures of a connector that has one.</summary>
public sealed record BacklogSnapshot(long Pending, long Dead, DateTimeOffset? OldestPendingAt);

/// <summary>
/// Everything operators see of one connector: its upstreams, its cache figures, its backlog, and the
/// manual control that isolates all its circuits at once.
/// </summary>
public sealed class ConnectorHealth(string name, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, UpstreamHealth> _upstreams = new(StringComparer.OrdinalIgnoreCase);
    private long _cacheHits;
    private long _cacheMisses;
    private long _cacheStale;

    public string Name { get; } = name;

    /// <summary>Shared by every breaker of this connector: isolating it fails all its calls fast.</summary>
    public CircuitBreakerManualControl Control { get; } = new();

    public bool Isolated { get; internal set; }

    /// <summary>Set by a connector that keeps an outbox.</summary>
    public Func<CancellationToken, Task<BacklogSnapshot>>? Backlog { get; set; }

    /// <summary>The backlog as last read (by the probe job or an operator's request), for gauges and the dashboard.</summary>
    public BacklogSnapshot? LastBacklog { get; set; }

    /// <summary>Set by a connector that can be probed: its cheapest harmless call per upstream.</summary>
    public Func<CancellationToken, Task<IReadOnlyList<ProbeResult>>>? Probe { get; set; }

    public IReadOnlyCollection<UpstreamHealth> Upstreams => _upstreams.Values.OrderBy(u => u.Upstream, StringComparer.Ordinal).ToList();

    public UpstreamHealth Upstream(string upstream) =>
        _upstreams.GetOrAdd(upstream, u => new UpstreamHealth(Name, u, time) { ConnectorIsolated = () => Isolated });

    public void RecordCache(CacheOutcome outcome)
    {
        switch (outcome)
        {
            case CacheOutcome.Hit:
                Interlocked.Increment(ref _cacheHits);
                break;
            case CacheOutcome.Stale:
                Interlocked.Increment(ref _cacheStale);
                break;
            case CacheOutcome.Miss:
                Interlocked.Increment(ref _cacheMisses);
                break;
        }
    }

    public (long Hits, long Misses, long Stale) CacheCounts =>
        (Interlocked.Read(ref _cacheHits), Interlocked.Read(ref _cacheMisses), Interlocked.Read(ref _cacheStale));

    public async Task IsolateAsync()
    {
        await Control.IsolateAsync();
        Isolated = true;
    }

    public async Task CloseAsync()
    {
        await Control.CloseAsync();
        Isolated = false;
    }
}

/// <summary>How a connector call was served from the cache.</summary>
public enum CacheOutcome
{
    /// <summary>No cache for this operation.</summary>
    None,

    /// <summary>Fresh value from L1 or L2.</summary>
    Hit,

    /// <summary>Fetched from the upstream (and stored).</summary>
    Miss,

    /// <summary>The upstream failed; the last good value was served, marked stale.</summary>
    Stale,
}

/// <summary>The connectors and their upstreams, registered at composition so operators see them before any call.</summary>
public sealed class ConnectorHealthRegistry(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, ConnectorHealth> _connectors = new(StringComparer.OrdinalIgnoreCase);

    public IReadOnlyCollection<ConnectorHealth> Connectors => _connectors.Values.OrderBy(c => c.Name, StringComparer.Ordinal).ToList();

    public ConnectorHealth Connector(string name) =>
        _connectors.TryGetValue(name, out var known) ? known : _connectors.GetOrAdd(name, static (n, t) => new ConnectorHealth(n, t), time);

    public bool TryGet(string name, out ConnectorHealth? health) => _connectors.TryGetValue(name, out health);
}
