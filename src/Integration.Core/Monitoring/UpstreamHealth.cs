using Polly.CircuitBreaker;

namespace Integration.Core.Monitoring;

/// <summary>Circuit state as operators see it.</summary>
public enum CircuitStatus
{
    Closed,
    Open,
    HalfOpen,
    Isolated,
}

/// <summary>The outcome of the last active probe of an upstream.</summary>
public sealed record ProbeResult(DateTimeOffset At, bool Ok, double DurationMs, string? Error);

/// <summary>
/// Live health of one upstream of a connector (e.g. <c>telco/viettel</c>): counters since start,
/// last success and failure, and a sliding window of recent attempts for percentiles and error rate.
/// Thread-safe; recording is lock-free except for the window ring, which takes a short lock.
/// </summary>
public sealed class UpstreamHealth(string connector, string upstream, TimeProvider time)
{
    private const int WindowCapacity = 4096;
    private readonly Sample[] _window = new Sample[WindowCapacity];
    private readonly Lock _windowLock = new();
    private int _next;
    private int _count;
    private long _requests;
    private long _failures;
    private long _retries;
    private Event? _lastSuccess;
    private Event? _lastFailure;

    public string Connector { get; } = connector;

    public string Upstream { get; } = upstream;

    /// <summary>Reads the breaker's state; set by the upstream's resilience pipeline each time it runs a call.</summary>
    internal CircuitBreakerStateProvider? Circuit { get; set; }

    public ProbeResult? LastProbe { get; set; }

    /// <summary>Reads whether an operator isolated the whole connector (true even before this upstream's first call).</summary>
    internal Func<bool>? ConnectorIsolated { get; set; }

    public CircuitStatus CircuitStatus => ConnectorIsolated?.Invoke() == true ? CircuitStatus.Isolated : Circuit?.CircuitState switch
    {
        CircuitState.Open => CircuitStatus.Open,
        CircuitState.HalfOpen => CircuitStatus.HalfOpen,
        CircuitState.Isolated => CircuitStatus.Isolated,
        _ => CircuitStatus.Closed,
    };

    public void RecordAttempt(double durationMs, bool failed, string? error)
    {
        Interlocked.Increment(ref _requests);
        var now = time.GetUtcNow();
        if (failed)
        {
            Interlocked.Increment(ref _failures);
            _lastFailure = new Event(now, error);
        }
        else
        {
            _lastSuccess = new Event(now, null);
        }

        lock (_windowLock)
        {
            _window[_next] = new Sample(now.ToUnixTimeMilliseconds(), durationMs, failed);
            _next = (_next + 1) % WindowCapacity;
            _count = Math.Min(_count + 1, WindowCapacity);
        }
    }

    /// <summary>
    /// A call refused by an open or isolated circuit: a failure, but not a latency sample. The last
    /// error stays the upstream's own (the circuit state already says calls are refused).
    /// </summary>
    public void RecordRejected(string error)
    {
        Interlocked.Increment(ref _requests);
        Interlocked.Increment(ref _failures);
        _lastFailure = new Event(time.GetUtcNow(), _lastFailure?.Error ?? error);
    }

    public void RecordRetry() => Interlocked.Increment(ref _retries);

    /// <summary>Figures over <paramref name="window"/>, with a history of <paramref name="buckets"/> equal slices of it (for sparklines).</summary>
    public UpstreamHealthSnapshot Snapshot(TimeSpan window, int buckets = 30)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var since = now - (long)window.TotalMilliseconds;
        var bucketMs = Math.Max(1, (long)window.TotalMilliseconds / buckets);
        var durations = new List<double>();
        var perBucket = new List<double>[buckets];
        var failedPerBucket = new int[buckets];
        var failed = 0;
        lock (_windowLock)
        {
            for (var i = 0; i < _count; i++)
            {
                var s = _window[i];
                if (s.At >= since && s.At <= now)
                {
                    durations.Add(s.DurationMs);
                    failed += s.Failed ? 1 : 0;
                    var b = (int)Math.Min(buckets - 1, (s.At - since) / bucketMs);
                    (perBucket[b] ??= []).Add(s.DurationMs);
                    failedPerBucket[b] += s.Failed ? 1 : 0;
                }
            }
        }

        var history = new HealthBucket[buckets];
        for (var b = 0; b < buckets; b++)
        {
            var list = perBucket[b];
            list?.Sort();
            history[b] = new HealthBucket(
                list?.Count ?? 0,
                list is null ? null : Percentile(list, 0.95),
                list is null ? 0 : (double)failedPerBucket[b] / list.Count);
        }

        durations.Sort();
        var success = _lastSuccess;
        var failure = _lastFailure;
        return new UpstreamHealthSnapshot(
            Connector,
            Upstream,
            CircuitStatus,
            Interlocked.Read(ref _requests),
            Interlocked.Read(ref _failures),
            Interlocked.Read(ref _retries),
            success?.At,
            failure?.At,
            failure?.Error,
            durations.Count,
            durations.Count == 0 ? 0 : (double)failed / durations.Count,
            Percentile(durations, 0.50),
            Percentile(durations, 0.95),
            Percentile(durations, 0.99),
            LastProbe,
            history);
    }

    private static double? Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? null : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    private readonly record struct Sample(long At, double DurationMs, bool Failed);

    private sealed record Event(DateTimeOffset At, string? Error);
}

/// <summary>A point-in-time view of <see cref="UpstreamHealth"/>.</summary>
public sealed record UpstreamHealthSnapshot(
    string Connector,
    string Upstream,
    CircuitStatus Circuit,
    long Requests,
    long Failures,
    long Retries,
    DateTimeOffset? LastSuccess,
    DateTimeOffset? LastFailure,
    string? LastError,
    int WindowSamples,
    double WindowErrorRate,
    double? P50Ms,
    double? P95Ms,
    double? P99Ms,
    ProbeResult? LastProbe,
    IReadOnlyList<HealthBucket> History);

/// <summary>One slice of the window: attempts, their p95 latency, and the share that failed.</summary>
public sealed record HealthBucket(int Count, double? P95Ms, double ErrorRate);
