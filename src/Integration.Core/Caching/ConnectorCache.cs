using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Integration.Core.Monitoring;
using Integration.Core.Privacy;
using Integration.Core.Problems;
using Microsoft.Extensions.Caching.Memory;

namespace Integration.Core.Caching;

/// <summary>How long an operation's answers are fresh, and how long they may still be served when the upstream fails.</summary>
/// <param name="Connector">e.g. <c>Identity</c>.</param>
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

/// <summary>A value with its provenance: <see cref="Stale"/> when it was served because the upstream failed.</summary>
public sealed record CachedValue<T>(T Value, CacheSource Source, bool Stale, DateTimeOffset FetchedAt);

/// <summary>
/// The two-level cache every connector shares: L1 <see cref="IMemoryCache"/>, optional L2 Redis,
/// single flight per key (concurrent misses make one upstream call), stale-if-error for transient
/// upstream failures. Keys are keyed hashes of the inputs; values are encrypted (AES-GCM) before
/// they reach Redis.
/// </summary>
public sealed class ConnectorCache(RedisCacheStore redis, PersonalDataProtector protector, TimeProvider time) : IDisposable
{
    /// <summary>Bounds L1: entries beyond this are evicted (least recently used first, by compaction).</summary>
    public const int L1MaxEntries = 200_000;

    private readonly MemoryCache _memory = new(new MemoryCacheOptions { SizeLimit = L1MaxEntries });
    private readonly ConcurrentDictionary<string, Task> _inflight = new(StringComparer.Ordinal);

    /// <summary>
    /// Returns the cached value for <paramref name="keyMaterial"/> when fresh; otherwise calls
    /// <paramref name="fetch"/> once for all concurrent callers and stores its answer. When the fetch
    /// fails with a transient <see cref="UpstreamException"/> and an older value is kept, that value is
    /// returned with <see cref="CachedValue{T}.Stale"/> set.
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
        var key = $"{policy.Connector}:{policy.Operation}:{protector.Hash(policy.Connector + ":" + policy.Operation, keyMaterial)}";
        var now = time.GetUtcNow();
        if (_memory.TryGetValue(key, out Entry<T>? entry) && entry!.FreshUntil > now)
        {
            return Served(new CachedValue<T>(entry.Value, CacheSource.Cache, false, entry.FetchedAt), CacheOutcome.Hit);
        }

        Task<CachedValue<T>> shared;
        while (true)
        {
            var tcs = new TaskCompletionSource<CachedValue<T>>(TaskCreationOptions.RunContinuationsAsynchronously);
            var existing = _inflight.GetOrAdd(key, tcs.Task);
            if (existing == tcs.Task)
            {
                _ = RunAsync(key, policy, fetch, typeInfo, tcs);
                shared = tcs.Task;
                break;
            }

            if (existing is Task<CachedValue<T>> typed)
            {
                shared = typed;
                break;
            }

            // Another type under the same key cannot happen with distinct operations; wait and retry.
            await existing.ContinueWith(static _ => { }, TaskScheduler.Default);
        }

        var result = await shared.WaitAsync(cancellationToken);
        return Served(result, result.Stale ? CacheOutcome.Stale : result.Source == CacheSource.Cache ? CacheOutcome.Hit : CacheOutcome.Miss);
    }

    private async Task RunAsync<T>(string key, CachePolicy policy, Func<CancellationToken, Task<T>> fetch, JsonTypeInfo<T> typeInfo, TaskCompletionSource<CachedValue<T>> tcs)
    {
        try
        {
            tcs.SetResult(await LoadAsync(key, policy, fetch, typeInfo));
        }
        catch (Exception ex)
        {
            tcs.SetException(ex);
        }
        finally
        {
            _inflight.TryRemove(new KeyValuePair<string, Task>(key, tcs.Task));
        }
    }

    private async Task<CachedValue<T>> LoadAsync<T>(string key, CachePolicy policy, Func<CancellationToken, Task<T>> fetch, JsonTypeInfo<T> typeInfo)
    {
        var now = time.GetUtcNow();
        _memory.TryGetValue(key, out Entry<T>? stale);
        if (stale is not null && stale.FreshUntil > now)
        {
            return new CachedValue<T>(stale.Value, CacheSource.Cache, false, stale.FetchedAt);
        }

        if (await ReadL2Async(key, typeInfo) is { } l2)
        {
            if (l2.FreshUntil > now)
            {
                SetL1(key, l2);
                return new CachedValue<T>(l2.Value, CacheSource.Cache, false, l2.FetchedAt);
            }

            if (stale is null || l2.FetchedAt > stale.FetchedAt)
            {
                stale = l2;
            }
        }

        T value;
        try
        {
            // The fetch runs once for every waiting caller: no single caller's cancellation stops it;
            // the resilience pipeline bounds its time.
            value = await fetch(CancellationToken.None);
        }
        catch (UpstreamException ex) when (ex.Transient && stale is not null && stale.StaleUntil > time.GetUtcNow())
        {
            return new CachedValue<T>(stale.Value, CacheSource.Cache, true, stale.FetchedAt);
        }

        var fetchedAt = time.GetUtcNow();
        var fresh = new Entry<T>(value, fetchedAt, fetchedAt + policy.Ttl, fetchedAt + policy.StaleTtl);
        SetL1(key, fresh);
        await WriteL2Async(key, fresh, policy.StaleTtl, typeInfo);
        return new CachedValue<T>(value, CacheSource.Upstream, false, fetchedAt);
    }

    private async Task<Entry<T>?> ReadL2Async<T>(string key, JsonTypeInfo<T> typeInfo)
    {
        if (!redis.Enabled)
        {
            return null;
        }

        var bytes = await redis.GetAsync(key);
        var plain = bytes is null ? null : protector.Decrypt(bytes, key);
        if (plain is null || plain.Length < 24)
        {
            return null;
        }

        var fetchedAt = DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64LittleEndian(plain));
        var freshUntil = DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64LittleEndian(plain.AsSpan(8)));
        var staleUntil = DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64LittleEndian(plain.AsSpan(16)));
        try
        {
            var value = JsonSerializer.Deserialize(plain.AsSpan(24), typeInfo);
            return value is null ? null : new Entry<T>(value, fetchedAt, freshUntil, staleUntil);
        }
        catch (JsonException)
        {
            // Written by an older version with another shape: treat as a miss.
            return null;
        }
    }

    private async Task WriteL2Async<T>(string key, Entry<T> entry, TimeSpan ttl, JsonTypeInfo<T> typeInfo)
    {
        if (!redis.Enabled)
        {
            return;
        }

        var json = JsonSerializer.SerializeToUtf8Bytes(entry.Value, typeInfo);
        var plain = new byte[24 + json.Length];
        BinaryPrimitives.WriteInt64LittleEndian(plain, entry.FetchedAt.ToUnixTimeMilliseconds());
        BinaryPrimitives.WriteInt64LittleEndian(plain.AsSpan(8), entry.FreshUntil.ToUnixTimeMilliseconds());
        BinaryPrimitives.WriteInt64LittleEndian(plain.AsSpan(16), entry.StaleUntil.ToUnixTimeMilliseconds());
        json.CopyTo(plain.AsSpan(24));
        await redis.SetAsync(key, protector.Encrypt(plain, key), ttl);
    }

    private void SetL1<T>(string key, Entry<T> entry)
    {
        // Relative expiry: the memory cache runs on the system clock, the entry's times on TimeProvider.
        var keep = entry.StaleUntil - time.GetUtcNow();
        if (keep > TimeSpan.Zero)
        {
            _memory.Set(key, entry, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = keep, Size = 1 });
        }
    }

    public void Dispose() => _memory.Dispose();

    private static CachedValue<T> Served<T>(CachedValue<T> value, CacheOutcome outcome)
    {
        if (ConnectorCall.Current is { } call)
        {
            call.Cache = outcome;
        }

        return value;
    }

    private sealed record Entry<T>(T Value, DateTimeOffset FetchedAt, DateTimeOffset FreshUntil, DateTimeOffset StaleUntil);
}
