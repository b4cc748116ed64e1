using Microsoft.Extensions.Time.Testing;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using Integration.Core.Caching;
using Integration.Core.Problems;
using Integration.Testing;
using Integration.Testing.Servers;

namespace Integration.Core.Tests;

public sealed record CitizenAnswer(string IdNumber, string FullName, string Result);

[JsonSerializable(typeof(CitizenAnswer))]
internal sealed partial class CacheTestJson : JsonSerializerContext;

/// <summary>The two-level cache with a real WireMock upstream and a real Redis.</summary>
public sealed class ConnectorCacheTests : IAsyncLifetime
{
    private const string IdNumber = "001089012345";
    private const string FullName = "Nguyễn Văn An";
    private static readonly CachePolicy Policy = new("Test", "citizen_check", TimeSpan.FromMinutes(10), TimeSpan.FromHours(24));

    public async Task InitializeAsync()
    {
        await TestServers.WireMock.ResetAsync();
        await TestServers.WireMock.AddMappingAsync(new
        {
            request = new { method = "GET", urlPath = "/core-test/citizen" },
            response = new { status = 200, body = "match", fixedDelayMilliseconds = 200 },
        });
    }

    public Task DisposeAsync() => Task.CompletedTask;

    private static async Task<CitizenAnswer> FetchFromWireMockAsync(CoreHost host)
    {
        var body = await host.Client.GetStringAsync("citizen");
        return new CitizenAnswer(IdNumber, FullName, body);
    }

    [Fact]
    public async Task GetOrFetch_HundredConcurrentMisses_MakeOneUpstreamCall()
    {
        // Generous timeouts: on a loaded machine a retry would be a second upstream call for another reason.
        await using var host = await CoreHost.StartAsync(new Dictionary<string, string?>
        {
            ["Connectors:Test:Resilience:AttemptTimeout"] = "00:00:05",
            ["Connectors:Test:Resilience:TotalTimeout"] = "00:00:10",
        });
        var cache = host.Get<ConnectorCache>();

        var results = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => Task.Run(() =>
            cache.GetOrFetchAsync(Policy, IdNumber, _ => FetchFromWireMockAsync(host), CacheTestJson.Default.CitizenAnswer, CancellationToken.None))));

        Assert.All(results, r => Assert.Equal("match", r.Value.Result));
        Assert.Equal(1, await TestServers.WireMock.CountRequestsAsync("GET", "/core-test/citizen"));
        Assert.Single(results.Select(r => r.FetchedAt).Distinct());
    }

    // FusionCache expires entries on the system clock: these tests use TTLs of a few seconds and wait for them.
    [Fact]
    public async Task GetOrFetch_WithinTtl_IsServedFromCache_AfterTtl_FetchesAgain()
    {
        await using var host = await CoreHost.StartAsync();
        var cache = host.Get<ConnectorCache>();
        var policy = Policy with { Ttl = TimeSpan.FromSeconds(3) };
        var calls = 0;
        Task<CitizenAnswer> Fetch(CancellationToken _) => Task.FromResult(new CitizenAnswer(IdNumber, FullName, "v" + Interlocked.Increment(ref calls)));

        var first = await cache.GetOrFetchAsync(policy, IdNumber, Fetch, CacheTestJson.Default.CitizenAnswer, default);
        var second = await cache.GetOrFetchAsync(policy, IdNumber, Fetch, CacheTestJson.Default.CitizenAnswer, default);
        CachedValue<CitizenAnswer>? third = null;
        await Eventually.TrueAsync(
            async () => (third = await cache.GetOrFetchAsync(policy, IdNumber, Fetch, CacheTestJson.Default.CitizenAnswer, default)).Source == CacheSource.Upstream,
            "the entry expires after its TTL");

        Assert.Equal(("v1", CacheSource.Upstream, false), (first.Value.Result, first.Source, first.Stale));
        Assert.Equal(("v1", CacheSource.Cache, false), (second.Value.Result, second.Source, second.Stale));
        Assert.Equal(("v2", CacheSource.Upstream, false), (third!.Value.Result, third.Source, third.Stale));
        Assert.Equal(2, calls);
    }

    [Fact]
    public async Task GetOrFetch_UpstreamFailsAfterTtl_ServesLastGoodValueMarkedStale()
    {
        await using var host = await CoreHost.StartAsync();
        var cache = host.Get<ConnectorCache>();
        var policy = Policy with { Ttl = TimeSpan.Zero, StaleTtl = TimeSpan.FromSeconds(3) };
        var primed = await cache.GetOrFetchAsync(policy, IdNumber, _ => Task.FromResult(new CitizenAnswer(IdNumber, FullName, "match")), CacheTestJson.Default.CitizenAnswer, default);

        var stale = await cache.GetOrFetchAsync<CitizenAnswer>(policy, IdNumber, _ => throw new UpstreamUnavailableException("c06"), CacheTestJson.Default.CitizenAnswer, default);

        Assert.True(stale.Stale);
        Assert.Equal((CacheSource.Cache, "match", primed.FetchedAt), (stale.Source, stale.Value.Result, stale.FetchedAt));
        await Eventually.TrueAsync(
            async () =>
            {
                try
                {
                    await cache.GetOrFetchAsync<CitizenAnswer>(policy, IdNumber, _ => throw new UpstreamUnavailableException("c06"), CacheTestJson.Default.CitizenAnswer, default);
                    return false;
                }
                catch (UpstreamUnavailableException)
                {
                    return true;
                }
            },
            "past the stale window the failure reaches the caller");
    }

    [Fact]
    public async Task GetOrFetch_PermanentUpstreamError_IsNotHiddenByStaleValue()
    {
        await using var host = await CoreHost.StartAsync();
        var cache = host.Get<ConnectorCache>();
        var policy = Policy with { Ttl = TimeSpan.Zero };
        await cache.GetOrFetchAsync(policy, IdNumber, _ => Task.FromResult(new CitizenAnswer(IdNumber, FullName, "match")), CacheTestJson.Default.CitizenAnswer, default);

        await Assert.ThrowsAsync<UpstreamErrorException>(() =>
            cache.GetOrFetchAsync<CitizenAnswer>(policy, IdNumber, _ => throw new UpstreamErrorException("c06", "fault", transient: false), CacheTestJson.Default.CitizenAnswer, default));
    }

    [Fact]
    public async Task GetOrFetch_UpstreamSlowerThanSoftTimeout_ServesKeptValueMarkedStale_AndRefreshesInBackground()
    {
        await using var host = await CoreHost.StartAsync(new Dictionary<string, string?> { ["Cache:FactorySoftTimeout"] = "00:00:00.300" });
        var cache = host.Get<ConnectorCache>();
        var policy = Policy with { Ttl = TimeSpan.Zero };
        await cache.GetOrFetchAsync(policy, IdNumber, _ => Task.FromResult(new CitizenAnswer(IdNumber, FullName, "v1")), CacheTestJson.Default.CitizenAnswer, default);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var slow = await cache.GetOrFetchAsync(policy, IdNumber, async _ => { await release.Task; return new CitizenAnswer(IdNumber, FullName, "v2"); }, CacheTestJson.Default.CitizenAnswer, default);
        release.SetResult();

        Assert.Equal(("v1", true), (slow.Value.Result, slow.Stale));
        await Eventually.TrueAsync(
            async () => (await cache.GetOrFetchAsync<CitizenAnswer>(policy, IdNumber, _ => throw new UpstreamUnavailableException("c06"), CacheTestJson.Default.CitizenAnswer, default)).Value.Result == "v2",
            "the slow answer lands in the cache once it arrives");
    }

    [Fact]
    public async Task ClearConnector_WithRedis_DropsTheAnswerOnEveryInstance()
    {
        await using var pair = await RedisPair.StartAsync();
        var (first, second) = (pair.First, pair.Second);
        var calls = 0;
        Task<CitizenAnswer> Fetch(CancellationToken _) => Task.FromResult(new CitizenAnswer(IdNumber, FullName, "v" + Interlocked.Increment(ref calls)));
        await first.Get<ConnectorCache>().GetOrFetchAsync(Policy, IdNumber, Fetch, CacheTestJson.Default.CitizenAnswer, default);
        var before = await second.Get<ConnectorCache>().GetOrFetchAsync(Policy, IdNumber, Fetch, CacheTestJson.Default.CitizenAnswer, default);
        Assert.Equal(("v1", CacheSource.Cache), (before.Value.Result, before.Source));

        await first.Get<ConnectorCache>().ClearConnectorAsync(Policy.Connector);

        // The backplane message reaches the second instance asynchronously.
        CachedValue<CitizenAnswer>? after = null;
        await Eventually.TrueAsync(
            async () => (after = await second.Get<ConnectorCache>().GetOrFetchAsync(Policy, IdNumber, Fetch, CacheTestJson.Default.CitizenAnswer, default)).Source == CacheSource.Upstream,
            "the second instance drops the cleared answer");
        Assert.Equal("v2", after!.Value.Result);
    }

    [Fact]
    public async Task GetOrFetch_WithRedis_SecondInstanceReadsL2_AndNoPersonalDataInRedis()
    {
        var redis = TestServers.Redis;
        await using var pair = await RedisPair.StartAsync();
        var (first, second) = (pair.First, pair.Second);

        var written = await first.Get<ConnectorCache>().GetOrFetchAsync(Policy, IdNumber + "|" + FullName, _ => FetchFromWireMockAsync(first), CacheTestJson.Default.CitizenAnswer, default);
        var read = await second.Get<ConnectorCache>().GetOrFetchAsync<CitizenAnswer>(Policy, IdNumber + "|" + FullName, _ => throw new InvalidOperationException("must come from L2"), CacheTestJson.Default.CitizenAnswer, default);

        Assert.Equal(CacheSource.Upstream, written.Source);
        Assert.Equal((CacheSource.Cache, "match"), (read.Source, read.Value.Result));
        var keys = await redis.GetAllKeysAsync();
        Assert.NotEmpty(keys);
        foreach (var key in keys)
        {
            Assert.DoesNotContain(IdNumber, key, StringComparison.Ordinal);
            var value = await redis.GetValueAsync(key);
            var text = Encoding.UTF8.GetString(value!);
            Assert.DoesNotContain(IdNumber, text, StringComparison.Ordinal);
            Assert.DoesNotContain("Nguy", text, StringComparison.Ordinal);
            Assert.DoesNotContain("match", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task GetOrFetch_RedisKilledMidTest_KeepsWorkingWarnsOnce_AndUsesRedisWhenBack()
    {
        var redis = TestServers.Redis;
        await redis.FlushAllAsync();
        await using var host = await CoreHost.StartAsync(new Dictionary<string, string?> { ["Redis:Configuration"] = redis.ConnectionString });
        await host.Get<RedisConnection>().ConnectedAsync;
        var cache = host.Get<ConnectorCache>();
        var noCache = Policy with { Ttl = TimeSpan.Zero };
        var calls = 0;
        Task<CitizenAnswer> Fetch(CancellationToken _) => Task.FromResult(new CitizenAnswer(IdNumber, FullName, "v" + Interlocked.Increment(ref calls)));

        // On a loaded machine one write may miss the 250 ms command budget: that is the design (Redis
        // never slows a request), so wait until a write has landed before killing Redis.
        await Eventually.TrueAsync(
            async () =>
            {
                await cache.GetOrFetchAsync(noCache, "before", Fetch, CacheTestJson.Default.CitizenAnswer, default);
                return (await redis.GetAllKeysAsync()).Count > 0;
            },
            "the cache writes to Redis before the kill");

        int Warnings() => host.Logs.Lines.Count(l => l.Contains("Redis is unavailable", StringComparison.Ordinal));
        var warningsBefore = Warnings();
        await redis.KillAsync();
        for (var i = 0; i < 20; i++)
        {
            var r = await cache.GetOrFetchAsync(noCache, "during" + i, Fetch, CacheTestJson.Default.CitizenAnswer, default);
            Assert.Equal(CacheSource.Upstream, r.Source);
        }

        // Once per outage, not per request (0 more when a slow write had already flagged Redis down).
        Assert.InRange(Warnings() - warningsBefore, 0, 1);
        Assert.True(Warnings() >= 1, "the outage is logged");

        await redis.StartAgainAsync();
        await Eventually.TrueAsync(
            async () =>
            {
                await cache.GetOrFetchAsync(noCache, "after", Fetch, CacheTestJson.Default.CitizenAnswer, default);
                return (await redis.GetAllKeysAsync()).Count > 0;
            },
            "the cache writes to Redis again after it restarts",
            TimeSpan.FromSeconds(30));
        Assert.Contains(host.Logs.Lines, l => l.Contains("Redis is back", StringComparison.Ordinal));
    }

    /// <summary>Two hosts sharing the (flushed) test Redis and the same privacy keys, as two gateway instances would.</summary>
    private sealed record RedisPair(CoreHost First, CoreHost Second) : IAsyncDisposable
    {
        public static async Task<RedisPair> StartAsync()
        {
            await TestServers.Redis.FlushAllAsync();
            var hashKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
            var aesKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
            var settings = new Dictionary<string, string?> { ["Redis:Configuration"] = TestServers.Redis.ConnectionString };
            var first = await CoreHost.StartAsync(settings, hashKey: hashKey, encryptionKey: aesKey);
            var second = await CoreHost.StartAsync(settings, hashKey: hashKey, encryptionKey: aesKey);
            await first.Get<RedisConnection>().ConnectedAsync;
            await second.Get<RedisConnection>().ConnectedAsync;
            return new RedisPair(first, second);
        }

        public async ValueTask DisposeAsync()
        {
            await First.DisposeAsync();
            await Second.DisposeAsync();
        }
    }
}
