using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Integration.Core.Monitoring;
using Integration.Core.Privacy;
using Integration.Core.Problems;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ZiggyCreatures.Caching.Fusion;
using ZiggyCreatures.Caching.Fusion.Backplane.StackExchangeRedis;
using ZiggyCreatures.Caching.Fusion.Serialization.SystemTextJson;

namespace Integration.Core.Caching;

/// <summary>How long an operation's answers are fresh, and how long they may still be served when the upstream fails.</summary>
/// <param name="Connector">e.g. <c>Identity</c>; entries are tagged with it, so an operator can clear one connector's answers.</param>
/// <param name="Operation">e.g. <c>citizen_verify</c>; part of the key.</param>
/// <param name="Ttl">Fresh for this long: served without calling the upstream.</param>
/// <param name="StaleTtl">Kept this long in all, to be served (marked stale) when the upstream fails.</param>
public sealed record CachePolicy(string Connector, string Operation, TimeSpan Ttl, TimeSpan StaleTtl);

/// <summary>Where a value came from.</summary>
public enum CacheSource
{
    Upstream,
    Cache,
}

/// <summary>A value with its provenance: <see cref="Stale"/> when it was served because the upstream failed or was too slow.</summary>
public sealed record CachedValue<T>(T Value, CacheSource Source, bool Stale, DateTimeOffset FetchedAt);

/// <summary>
/// The cache every connector shares, on FusionCache: L1 memory, L2 Redis (through
/// <c>Microsoft.Extensions.Caching.StackExchangeRedis</c>) when <c>Redis:Configuration</c> is set, and the
/// FusionCache Redis backplane so that an entry changed or cleared on one instance is dropped from every
/// instance's L1. One upstream call per key however many callers miss at once (FusionCache's cache
/// stampede protection); fail-safe serves the last good value, marked stale, when the upstream fails
/// transiently or is slower than <see cref="CacheOptions.FactorySoftTimeout"/>. Keys are keyed hashes of
/// the inputs; values are AES-256-GCM encrypted before they reach Redis.
/// </summary>
public sealed class ConnectorCache : IDisposable
{
    /// <summary>Bounds L1: entries beyond this are evicted (least recently used first, by compaction).</summary>
    public const int L1MaxEntries = 200_000;

    private readonly PersonalDataProtector _protector;
    private readonly TimeProvider _time;
    private readonly CacheJsonResolver _json = new();
    private readonly MemoryCache _memory = new(new MemoryCacheOptions { SizeLimit = L1MaxEntries });
    private readonly FusionCache _cache;
    private readonly ConcurrentDictionary<CachePolicy, Settled> _policies = new();

    public ConnectorCache(
        RedisConnection redis,
        PersonalDataProtector protector,
        TimeProvider time,
        IOptions<RedisOptions> redisOptions,
        IOptions<CacheOptions> cacheOptions,
        ILoggerFactory loggers)
    {
        _protector = protector;
        _time = time;
        var r = redisOptions.Value;
        var c = cacheOptions.Value;
        var options = new FusionCacheOptions
        {
            CacheName = "connectors",
            CacheKeyPrefix = r.KeyPrefix,
            BackplaneChannelPrefix = r.KeyPrefix + "backplane",
            // Redis down: L2 and the backplane are skipped for this long after an error, then tried again.
            DistributedCacheCircuitBreakerDuration = c.RedisRetryAfter,
            BackplaneCircuitBreakerDuration = c.RedisRetryAfter,
            WaitForInitialBackplaneSubscribe = false,
            ReThrowOriginalExceptions = true,
            // RedisConnection warns once per outage; upstream failures are logged by the connectors.
            DistributedCacheErrorsLogLevel = LogLevel.Debug,
            DistributedCacheSyntheticTimeoutsLogLevel = LogLevel.Debug,
            BackplaneErrorsLogLevel = LogLevel.Debug,
            BackplaneSyntheticTimeoutsLogLevel = LogLevel.Debug,
            FactoryErrorsLogLevel = LogLevel.Debug,
            FactorySyntheticTimeoutsLogLevel = LogLevel.Debug,
            FailSafeActivationLogLevel = LogLevel.Debug,
            DefaultEntryOptions = new FusionCacheEntryOptions
            {
                Size = 1,
                IsFailSafeEnabled = true,
                FailSafeThrottleDuration = c.FailSafeThrottle,
                FactorySoftTimeout = c.FactorySoftTimeout,
                DistributedCacheSoftTimeout = r.OperationTimeout,
                DistributedCacheHardTimeout = r.OperationTimeout,
            },
            TagsDefaultEntryOptions = new FusionCacheEntryOptions { Size = 1, DistributedCacheHardTimeout = r.OperationTimeout },
        };
        _cache = new FusionCache(options, _memory, loggers.CreateLogger<FusionCache>());
        if (redis.Enabled)
        {
            var serializer = new FusionCacheSystemTextJsonSerializer(new JsonSerializerOptions { TypeInfoResolver = _json });
            var l2 = new RedisCache(Options.Create(new RedisCacheOptions { ConnectionMultiplexerFactory = redis.MultiplexerAsync }));
            _cache.SetupDistributedCache(new ProtectedDistributedCache(l2, protector, redis), serializer);
            _cache.SetupBackplane(new RedisBackplane(
                Options.Create(new RedisBackplaneOptions { ConnectionMultiplexerFactory = redis.MultiplexerAsync }),
                loggers.CreateLogger<RedisBackplane>()));
        }
    }

    /// <summary>
    /// Returns the cached value for <paramref name="keyMaterial"/> when fresh; otherwise calls
    /// <paramref name="fetch"/> once for all concurrent callers and stores its answer. When the fetch
    /// fails with a transient <see cref="UpstreamException"/> and an older value is kept, that value is
    /// returned with <see cref="CachedValue{T}.Stale"/> set; any other failure reaches the caller.
    /// </summary>
    /// <param name="policy">TTLs and names.</param>
    /// <param name="keyMaterial">The inputs that identify the answer, e.g. ID number, name and date of birth. Never stored in clear.</param>
    /// <param name="fetch">Calls the upstream.</param>
    /// <param name="typeInfo">Serialises the value for Redis.</param>
    /// <param name="cancellationToken">Cancels this caller's wait (not the shared fetch).</param>
    public async Task<CachedValue<T>> GetOrFetchAsync<T>(
        CachePolicy policy,
        string keyMaterial,
        Func<CancellationToken, Task<T>> fetch,
        JsonTypeInfo<T> typeInfo,
        CancellationToken cancellationToken)
    {
        _json.Register(typeInfo);
        var settled = _policies.GetOrAdd(policy, Settle);
        var key = settled.KeyPrefix + _protector.Hash(settled.HashPurpose, keyMaterial);
        var options = settled.Options;

        var fetched = false;
        ExceptionDispatchInfo? permanent = null;
        var entry = await _cache.GetOrSetAsync<Entry<T>>(
            key,
            async (_, _) =>
            {
                T value;
                try
                {
                    // The fetch runs once for every waiting caller: no single caller's cancellation stops it;
                    // the resilience pipeline bounds its time.
                    value = await fetch(CancellationToken.None);
                }
                catch (Exception ex) when (ex is not UpstreamException { Transient: true })
                {
                    // Not the kind of failure a stale value may hide: FusionCache's fail-safe would still
                    // answer with it, so remember the error and raise it to the caller.
                    permanent = ExceptionDispatchInfo.Capture(ex);
                    throw;
                }

                fetched = true;
                return new Entry<T>(value, _time.GetUtcNow(), WallClockMs() + (long)policy.Ttl.TotalMilliseconds);
            },
            options,
            [policy.Connector],
            cancellationToken);

        permanent?.Throw();
        if (fetched)
        {
            return Served(new CachedValue<T>(entry.Value, CacheSource.Upstream, false, entry.FetchedAt), CacheOutcome.Miss);
        }

        // Past its freshness and still answered: fail-safe (the upstream failed or was too slow).
        var stale = entry.FreshUntilMs <= WallClockMs();
        return Served(new CachedValue<T>(entry.Value, CacheSource.Cache, stale, entry.FetchedAt), stale ? CacheOutcome.Stale : CacheOutcome.Hit);
    }

    /// <summary>
    /// Drops every cached answer of <paramref name="connector"/> on this instance and, through the
    /// backplane and L2, on every instance.
    /// </summary>
    public ValueTask ClearConnectorAsync(string connector, CancellationToken cancellationToken = default) =>
        _cache.RemoveByTagAsync(connector, token: cancellationToken);

    /// <summary>
    /// What a policy needs on every call, built once per policy: its entry options (FusionCache reads them, never
    /// changes them, so one object serves every call) and the parts of its keys.
    /// </summary>
    private Settled Settle(CachePolicy policy) => new(
        _cache.CreateEntryOptions(o =>
        {
            o.Duration = policy.Ttl;
            o.FailSafeMaxDuration = policy.StaleTtl;
            o.DistributedCacheFailSafeMaxDuration = policy.StaleTtl;
        }),
        policy.Connector + ":" + policy.Operation,
        $"{policy.Connector}:{policy.Operation}:");

    private sealed record Settled(FusionCacheEntryOptions Options, string HashPurpose, string KeyPrefix);

    /// <summary>FusionCache expires entries on the system clock, so freshness is judged on it too (the injected clock dates answers).</summary>
    private static long WallClockMs() => TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds();

    public void Dispose()
    {
        _cache.Dispose();
        _memory.Dispose();
    }

    private static CachedValue<T> Served<T>(CachedValue<T> value, CacheOutcome outcome)
    {
        if (ConnectorCall.Current is { } call)
        {
            call.Cache = outcome;
        }

        return value;
    }

    /// <summary>What is cached: the value, when it was fetched (injected clock, shown to callers) and until when it is fresh (system clock).</summary>
    internal sealed record Entry<T>(T Value, DateTimeOffset FetchedAt, long FreshUntilMs);
}
