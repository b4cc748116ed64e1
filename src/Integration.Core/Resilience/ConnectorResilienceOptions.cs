namespace Integration.Core.Resilience;

/// <summary>
/// The resilience pipeline of one connector (<c>Connectors:&lt;Name&gt;:Resilience</c>), applied per
/// upstream through Microsoft.Extensions.Http.Resilience: total timeout → retry → circuit breaker →
/// attempt timeout. The property defaults are the standard handler's, which suit background work (the
/// portal outbox, payment reconciliation, the catalogue); interactive connectors ship
/// <see cref="Interactive"/> instead.
/// </summary>
public sealed class ConnectorResilienceOptions
{
    /// <summary>The whole call, retries and their delays included.</summary>
    /// <value>30 seconds.</value>
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>One HTTP attempt.</summary>
    /// <value>10 seconds.</value>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries after the first attempt; 0 disables retries.</summary>
    /// <value>3.</value>
    public int MaxRetryAttempts { get; set; } = 3;

    /// <summary>Base of the exponential backoff (with jitter) when the upstream sends no <c>Retry-After</c>.</summary>
    /// <value>2 seconds.</value>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Upper bound of one backoff delay.</summary>
    /// <value>30 seconds.</value>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Share of failed attempts in the sampling window that opens the circuit.</summary>
    /// <value>0.1.</value>
    public double FailureRatio { get; set; } = 0.1;

    /// <summary>Attempts the sampling window must hold before the ratio can open the circuit.</summary>
    /// <value>100.</value>
    public int MinimumThroughput { get; set; } = 100;

    /// <summary>The window over which the failure ratio is computed.</summary>
    /// <value>30 seconds.</value>
    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an opened circuit fails calls fast before letting one through (half-open).</summary>
    /// <value>5 seconds.</value>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Defaults for upstreams a desk officer waits on (identity: LGSP, C06, VNeID; telco: number portability
    /// and the carriers). A province calls them a few times a minute, so the standard breaker (100 calls in
    /// 30 s) would never open: here a call answers within 3 s whatever the upstream does (2.5 s in all, 2 s
    /// per attempt, two quick retries), and the circuit opens once half of the attempts of the last 10
    /// minutes failed and there were at least 6 of them (two calls whose three attempts failed), then
    /// refuses calls at once for 30 s before letting one through.
    /// </summary>
    public static ConnectorResilienceOptions Interactive() => new()
    {
        TotalTimeout = TimeSpan.FromSeconds(2.5),
        AttemptTimeout = TimeSpan.FromSeconds(2),
        MaxRetryAttempts = 2,
        RetryDelay = TimeSpan.FromMilliseconds(200),
        RetryMaxDelay = TimeSpan.FromSeconds(1),
        FailureRatio = 0.5,
        MinimumThroughput = 6,
        SamplingDuration = TimeSpan.FromMinutes(10),
        BreakDuration = TimeSpan.FromSeconds(30),
    };

    internal void CopyTo(ConnectorResilienceOptions o)
    {
        o.TotalTimeout = TotalTimeout;
        o.AttemptTimeout = AttemptTimeout;
        o.MaxRetryAttempts = MaxRetryAttempts;
        o.RetryDelay = RetryDelay;
        o.RetryMaxDelay = RetryMaxDelay;
        o.FailureRatio = FailureRatio;
        o.MinimumThroughput = MinimumThroughput;
        o.SamplingDuration = SamplingDuration;
        o.BreakDuration = BreakDuration;
    }
}
