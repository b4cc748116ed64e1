namespace Integration.Core.Resilience;

/// <summary>
/// The resilience pipeline of one connector (<c>Connectors:&lt;Name&gt;:Resilience</c>), applied per
/// upstream: total timeout → retry → circuit breaker → attempt timeout, with the defaults of
/// Microsoft.Extensions.Http.Resilience's standard handler.
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
}
