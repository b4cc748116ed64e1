namespace Integration.Core.Caching;

/// <summary>How the connector cache behaves when an upstream or Redis misbehaves.</summary>
public sealed class CacheOptions
{
    public const string SectionName = "Cache";

    /// <summary>
    /// When an expired answer is kept and the upstream has not answered within this time, the kept answer
    /// is served (marked stale) and the call completes in the background to refresh the cache.
    /// </summary>
    /// <value>5 seconds.</value>
    public TimeSpan FactorySoftTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>After an upstream failure answered from the cache, the same key is answered from it without a new attempt for this long.</summary>
    /// <value>1 second.</value>
    public TimeSpan FailSafeThrottle { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>After a Redis error, L2 and the backplane are skipped (L1 and the upstreams serve) for this long before Redis is tried again.</summary>
    /// <value>2 seconds.</value>
    public TimeSpan RedisRetryAfter { get; set; } = TimeSpan.FromSeconds(2);
}
